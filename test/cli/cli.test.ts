import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startServer } from "../../src/server";
import { infobenchItems, jsonLines, parseLines } from "../support/batches";
import { type FakeUpstream, startFakeUpstream } from "../support/fake-upstream";
import { upstreamEnv } from "../support/harness";

const root = resolve(import.meta.dirname, "../..");
let fake: FakeUpstream;
let dir: string;
beforeAll(async () => {
  fake = await startFakeUpstream();
  dir = mkdtempSync(join(tmpdir(), "tickbox-cli-"));
});
beforeEach(() => fake.reset());
afterAll(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `tickbox …` as a user would (bin/tickbox.js, stderr not a terminal); `onStderr` may signal it. */
function tickbox(args: string[], env: Record<string, string> = {}, onStderr?: (text: string, kill: (s: NodeJS.Signals) => void) => void): Promise<Ran> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [resolve(root, "bin/tickbox.js"), ...args], { cwd: dir, env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => {
      stderr += d;
      onStderr?.(stderr, (s) => child.kill(s));
    });
    child.on("exit", (code) => done({ code, stdout, stderr }));
  });
}

describe("tickbox CLI", () => {
  it("--help lists the commands", async () => {
    const ran = await tickbox(["--help"]);
    expect(ran.code).toBe(0);
    for (const command of ["serve", "eval", "select", "compare"]) expect(ran.stdout).toContain(command);
  });

  it("eval runs a file in-process, writes the results and ends with a summary", async () => {
    const file = join(dir, "local.jsonl");
    const items = infobenchItems(8);
    writeFileSync(file, jsonLines(items));
    const env = { ...upstreamEnv(fake), TICKBOX_DB: join(dir, "local.db") };
    const ran = await tickbox(["eval", file, "--out", join(dir, "local.out.jsonl")], env);
    expect(ran.stderr).toContain("progress 8/8 (100%)");
    expect(ran.code).toBe(0);
    const lines = parseLines(readFileSync(join(dir, "local.out.jsonl"), "utf8"));
    expect(lines.map((l) => l.custom_id)).toEqual(items.map((i) => i.custom_id));
    expect(ran.stderr).toMatch(/items 8: 8 graded, 0 failed/);
    expect(ran.stderr).toMatch(/pass rate 100\.0%, mean weighted score 1\.000/);
    expect(ran.stderr).toMatch(/upstream calls 8, cache hits 0, tokens \d+ prompt/);

    // The same file again is the same batch: nothing is graded twice.
    const again = await tickbox(["eval", file], env);
    expect(again.code).toBe(0);
    expect(parseLines(again.stdout)).toEqual(lines);
    expect(fake.calls).toHaveLength(8);
  });

  it("eval --server sends the file to a server as a batch", async () => {
    const server = await startServer({ ...upstreamEnv(fake), TICKBOX_DB: ":memory:", PORT: "0" });
    try {
      const file = join(dir, "remote.jsonl");
      writeFileSync(file, jsonLines(infobenchItems(5)));
      const ran = await tickbox(["eval", file, "--server", server.url, "--concurrency", "2"]);
      expect(ran.code).toBe(0);
      expect(parseLines(ran.stdout)).toHaveLength(5);
      expect(ran.stderr).toMatch(/upstream calls 5/);
    } finally {
      await server.stop();
    }
  });

  it("Ctrl-C stops cleanly and the same command continues where it stopped", async () => {
    fake.latencyMs = 40;
    const file = join(dir, "interrupted.jsonl");
    const items = infobenchItems(40);
    writeFileSync(file, jsonLines(items));
    const env = { ...upstreamEnv(fake), TICKBOX_DB: join(dir, "interrupted.db") };
    let sent = false;
    // The first progress line means the batch is under way; Ctrl-C a moment later.
    const first = await tickbox(["eval", file, "--concurrency", "2"], env, (text, kill) => {
      if (!sent && text.includes("progress")) {
        sent = true;
        setTimeout(() => kill("SIGINT"), 300);
      }
    });
    expect(first.code).toBe(130);
    expect(first.stderr).toContain("run the same command to continue");
    const callsAtStop = fake.calls.length;
    expect(callsAtStop).toBeLessThan(items.length);

    const second = await tickbox(["eval", file, "--out", join(dir, "interrupted.out.jsonl"), "--concurrency", "8"], env);
    expect(second.code).toBe(0);
    expect(parseLines(readFileSync(join(dir, "interrupted.out.jsonl"), "utf8"))).toHaveLength(items.length);
    expect(fake.calls).toHaveLength(items.length);
  });

  it("select and compare check their arguments and report a server's problem", async () => {
    const few = await tickbox(["select", "Pick the best.", "only one"]);
    expect(few.code).toBe(2);
    expect(few.stderr).toContain("at least two candidates");
    const missing = await tickbox(["compare", "Which is better?", "A"]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("missing required argument");

    // Comparisons are served by their own route, which this branch's server lacks: its 404 comes
    // back with exit status 1. Where the route exists, the answer is printed instead.
    const server = await startServer({ ...upstreamEnv(fake), TICKBOX_DB: ":memory:", PORT: "0" });
    try {
      writeFileSync(join(dir, "a.txt"), "Response A");
      const ran = await tickbox(["compare", "Which is better?", "@a.txt", "Response B", "--server", server.url]);
      if (ran.code === 0) {
        expect(JSON.parse(ran.stdout)).toBeTypeOf("object");
      } else {
        expect(ran.code).toBe(1);
        expect(ran.stderr).toContain("404");
      }
    } finally {
      await server.stop();
    }
  });
});
