import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startServer } from "../../src/server";
import { infobenchItems, jsonLines, parseLines } from "../support/batches";
import { useFakeUpstream } from "../support/file-fake";
import { upstreamEnv } from "../support/harness";
import { useTempDirs } from "../support/temp-dirs";
import { BIN, type Ran, tickbox } from "./run";

const fake = useFakeUpstream();
const tempDir = useTempDirs("tickbox-interrupt-");

const ITEMS = infobenchItems(60);
const LATENCY_MS = 40;

/** The results file of an uninterrupted run: what every interrupted-then-resumed run must end as. */
let reference: Promise<string> | undefined;
function uninterrupted(): Promise<string> {
  reference ??= (async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "items.jsonl"), jsonLines(ITEMS));
    const ran = await tickbox(["eval", "items.jsonl", "--out", "out.jsonl"], { env: { ...upstreamEnv(fake), TICKBOX_DB: join(dir, "ref.db") }, cwd: dir });
    expect(ran.code).toBe(0);
    return readFileSync(join(dir, "out.jsonl"), "utf8");
  })();
  return reference;
}

/** Sends `signal` a moment after the first progress report: the batch is then under way. */
const signalMidRun = (signal: NodeJS.Signals) => {
  let sent = false;
  return (text: string, child: ChildProcess) => {
    if (!sent && text.includes("progress")) {
      sent = true;
      setTimeout(() => child.kill(signal), 350);
    }
  };
};

/** The finished items of the batch in a database file, as a server on it reports them. */
async function finishedIn(db: string): Promise<{ finished: number; results: string }> {
  const server = await startServer({ ...upstreamEnv(fake), TICKBOX_DB: db, PORT: "0" });
  try {
    const created = await fetch(`${server.url}/v1/batches`, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body: jsonLines(ITEMS) });
    const view = (await created.json()) as { id: string; status: string; counts: { done: number; failed: number } };
    expect(view.status).toBe("cancelled");
    const results = await (await fetch(`${server.url}/v1/batches/${view.id}/results`)).text();
    return { finished: view.counts.done + view.counts.failed, results };
  } finally {
    await server.stop();
  }
}

function expectStoppedCleanly(first: Ran, code: number): number {
  expect(first.code).toBe(code);
  const m = /interrupted: (\d+)\/60 finished and written to out\.jsonl; run the same command to continue/.exec(first.stderr);
  expect(m, first.stderr).not.toBeNull();
  const finished = Number(m![1]);
  expect(finished).toBeGreaterThan(0);
  expect(finished).toBeLessThan(60);
  return finished;
}

describe("tickbox eval stopped by a signal, then run again", () => {
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    it(`${signal}: every finished item is in --out, and the rerun leaves it equal to an uninterrupted run's`, { timeout: 60_000 }, async () => {
      const want = await uninterrupted();
      fake.reset();
      fake.latencyMs = LATENCY_MS;
      const dir = tempDir();
      writeFileSync(join(dir, "items.jsonl"), jsonLines(ITEMS));
      const db = join(dir, "t.db");
      const env = { ...upstreamEnv(fake), TICKBOX_DB: db };
      const args = ["eval", "items.jsonl", "--out", "out.jsonl", "--concurrency", "3"];
      const first = await tickbox(args, { env, cwd: dir, onStderr: signalMidRun(signal) });
      const finished = expectStoppedCleanly(first, code);

      // The file holds exactly the finished items, as the stored batch has them.
      const written = readFileSync(join(dir, "out.jsonl"), "utf8");
      const stored = await finishedIn(db);
      expect(stored.finished).toBe(finished);
      expect(written).toBe(stored.results);
      expect(parseLines(written)).toHaveLength(finished);
      for (const line of written.split("\n").filter(Boolean)) expect(want).toContain(`${line}\n`);

      const second = await tickbox(args, { env, cwd: dir });
      expect(second.code).toBe(0);
      expect(readFileSync(join(dir, "out.jsonl"), "utf8")).toBe(want);
      // Nothing was graded twice: one upstream call per item over both runs.
      expect(fake.calls.filter((c) => c.kind === "grading")).toHaveLength(ITEMS.length);
    });
  }

  it("--server: Ctrl-C cancels the server's batch after its items in flight, the rerun resumes it", { timeout: 60_000 }, async () => {
    const want = await uninterrupted();
    fake.reset();
    fake.latencyMs = LATENCY_MS;
    const server = await startServer({ ...upstreamEnv(fake), TICKBOX_DB: ":memory:", PORT: "0" });
    try {
      const dir = tempDir();
      writeFileSync(join(dir, "items.jsonl"), jsonLines(ITEMS));
      const args = ["eval", "items.jsonl", "--out", "out.jsonl", "--server", server.url, "--concurrency", "3"];
      const first = await tickbox(args, { cwd: dir, onStderr: signalMidRun("SIGINT") });
      const finished = expectStoppedCleanly(first, 130);
      expect(parseLines(readFileSync(join(dir, "out.jsonl"), "utf8"))).toHaveLength(finished);
      const second = await tickbox(args, { cwd: dir });
      expect(second.code).toBe(0);
      expect(readFileSync(join(dir, "out.jsonl"), "utf8")).toBe(want);
      expect(fake.calls.filter((c) => c.kind === "grading")).toHaveLength(ITEMS.length);
    } finally {
      await server.stop();
    }
  });
});

const hasScript = (() => {
  try {
    execFileSync("script", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

/**
 * `tickbox …` on a pseudo-terminal (util-linux `script`), so that stderr is a terminal and the bar
 * is drawn; `keys` are typed into the terminal, where ^C becomes SIGINT for the foreground process
 * as it does for a user.
 */
function inTerminal(args: string[], env: Record<string, string>, cwd: string, type?: (screen: string, keys: (s: string) => void) => void): Promise<Ran> {
  const command = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(" ");
  return new Promise((done) => {
    const child = spawn("script", ["-qfec", command, "/dev/null"], { cwd, env: { ...process.env, ...env, TICKBOX_API_KEY: "", COLUMNS: "120" } });
    let screen = "";
    child.stdout.on("data", (d) => {
      screen += d;
      type?.(screen, (keys) => child.stdin.write(keys));
    });
    child.on("close", (code, signal) => done({ code, signal, stdout: screen, stderr: "" }));
  });
}

describe.skipIf(!hasScript)("tickbox eval in a terminal", () => {
  it("draws a bar, stops on Ctrl-C with the finished items written, and the rerun's bar ends at ETA 0s", { timeout: 60_000 }, async () => {
    const want = await uninterrupted();
    fake.reset();
    fake.latencyMs = LATENCY_MS;
    const dir = tempDir();
    writeFileSync(join(dir, "items.jsonl"), jsonLines(ITEMS));
    const env = { ...upstreamEnv(fake), TICKBOX_DB: join(dir, "t.db") };
    const args = ["eval", "items.jsonl", "--out", "out.jsonl", "--concurrency", "3"];
    let typed = false;
    const first = await inTerminal(args, env, dir, (screen, keys) => {
      if (!typed && /\d+% \| \d+\/60/.test(screen)) {
        typed = true;
        setTimeout(() => keys("\x03"), 350);
      }
    });
    expect(first.stdout).toContain("^C");
    // The bar makes way (restores the cursor, ends its line) before the acknowledgement, which its
    // redraws would otherwise overwrite.
    expect(first.stdout).toContain("\u001b8\r\nSIGINT: finishing the items in flight");
    expect(first.code).toBe(130);
    const finished = Number(/interrupted: (\d+)\/60 finished and written to out\.jsonl/.exec(first.stdout)?.[1]);
    expect(finished).toBeGreaterThan(0);
    expect(parseLines(readFileSync(join(dir, "out.jsonl"), "utf8"))).toHaveLength(finished);

    const second = await inTerminal(args, env, dir);
    expect(second.code).toBe(0);
    expect(readFileSync(join(dir, "out.jsonl"), "utf8")).toBe(want);
    const frames = second.stdout.split("\u001b[1G").filter((f) => f.includes("ETA"));
    expect(frames.at(-1)).toMatch(/100% \| 60\/60 \| [\d.]+\/s \| ETA 0s \| failed 0/);
    for (const screen of [first.stdout, second.stdout]) expect(screen).not.toContain("ETA ?");
  });
});
