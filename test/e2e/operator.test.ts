// As an operator runs it: `npm start` (sh → tsx → node) in its own process group, killed with
// SIGKILL to the whole group mid-batch. Its processes may linger as zombies (nothing reaps them
// here), which must not pass for a live owner of the batch. Restarted on the same file, the batch
// finishes by itself with the results of an uninterrupted run; a second server already running on
// the file takes a dead one's batch over without a restart.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { processRunning, processState } from "../../src/batches/node-runner";
import { infobenchItems } from "../support/batches";
import { type FakeUpstream, startFakeUpstream } from "../support/fake-upstream";
import { upstreamEnv } from "../support/harness";

const root = resolve(import.meta.dirname, "../..");
let fake: FakeUpstream;
let dir: string;
const groups: ChildProcess[] = [];

beforeAll(async () => {
  fake = await startFakeUpstream({ latencyMs: 30 });
  dir = mkdtempSync(join(tmpdir(), "tickbox-operator-"));
});
afterAll(async () => {
  for (const child of groups) killGroup(child);
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

function killGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, "SIGKILL");
  } catch {
    // the group is gone already
  }
}

/** `npm start` in a process group of its own, as a service manager would run it; resolves with its URL. */
async function npmStart(db: string, extra: Record<string, string> = {}): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn("npm", ["start"], {
    cwd: root,
    detached: true,
    env: { ...process.env, ...upstreamEnv(fake), TICKBOX_DB: db, PORT: "0", TICKBOX_BATCH_LEASE_MS: "1500", ...extra },
    stdio: ["ignore", "pipe", "pipe"],
  });
  groups.push(child);
  child.stderr!.resume();
  const url = await new Promise<string>((resolveUrl, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolveUrl(m[1]!);
    });
    child.once("exit", (code) => reject(new Error(`npm start exited with ${code}: ${out}`)));
  });
  return { url, child };
}

const items = infobenchItems(80);
const submit = async (url: string) =>
  (await (
    await fetch(`${url}/v1/batches?concurrency=4`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(items) })
  ).json()) as any;
const status = async (url: string, id: string) => (await (await fetch(`${url}/v1/batches/${id}`)).json()) as any;

async function until(url: string, id: string, done: (batch: any) => boolean, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const batch = await status(url, id);
    if (done(batch)) return batch;
    if (Date.now() > deadline) throw new Error(`batch ${id} stuck: ${JSON.stringify(batch.counts)} ${batch.status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const results = async (url: string, id: string) => (await fetch(`${url}/v1/batches/${id}/results`)).text();

/** The runner that holds the batch's lease, as the database says. */
function leaseHolder(db: string, id: string): string | null {
  const file = new Database(db, { readonly: true });
  try {
    return (file.prepare("select runner from batches where id = ?").get(id) as { runner: string | null }).runner;
  } finally {
    file.close();
  }
}

/** Kills the whole group and waits until npm itself has exited. */
async function kill9(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once("exit", r));
  killGroup(child);
  await exited;
}

let reference: Promise<string> | undefined;

/** The results of an uninterrupted run on a fresh file, computed once for the tests that need them. */
function uninterrupted(): Promise<string> {
  reference ??= (async () => {
    const server = await npmStart(join(dir, "clean.db"));
    const { id } = await submit(server.url);
    await until(server.url, id, (b) => b.status === "completed");
    const text = await results(server.url, id);
    await kill9(server.child);
    return text;
  })();
  return reference;
}

describe("operator: npm start, kill -9 of its process group", () => {
  it("an uninterrupted run grades every item", async () => {
    expect((await uninterrupted()).trim().split("\n")).toHaveLength(items.length);
  }, 120_000);

  it("restarted on the same file after kill -9 mid-batch, the batch finishes by itself with the same results", async () => {
    const db = join(dir, "killed.db");
    const first = await npmStart(db);
    const { id } = await submit(first.url);
    const before = await until(first.url, id, (b) => b.counts.done >= 15);
    const holder = leaseHolder(db, id)!;
    await kill9(first.child);
    expect(before.counts.done).toBeLessThan(items.length);
    // The server's own process (node, two levels below npm) is gone or a zombie, never running.
    const pid = Number(holder.split("/")[1]);
    await expect.poll(() => processRunning(pid)).toBe(false);
    expect(["Z", "X", undefined]).toContain(processState(pid)?.state);

    const second = await npmStart(db);
    const finished = await until(second.url, id, (b) => b.status === "completed");
    expect(finished.counts).toEqual({ pending: 0, running: 0, done: items.length, failed: 0 });
    expect(await results(second.url, id)).toBe(await uninterrupted());
    await kill9(second.child);
  }, 120_000);

  it("two servers on one file: one is killed, the other takes its batch over and finishes it", async () => {
    const db = join(dir, "shared.db");
    const [a, b] = await Promise.all([npmStart(db), npmStart(db)]);
    const { id } = await submit(a.url);
    await until(b.url, id, (batch) => batch.counts.done >= 15);
    // A, which took the batch, works on it; B only follows it.
    const holderPid = Number(leaseHolder(db, id)!.split("/")[1]);
    expect(processRunning(holderPid)).toBe(true);
    await kill9(a.child);
    await expect.poll(() => processRunning(holderPid)).toBe(false);
    const finished = await until(b.url, id, (batch) => batch.status === "completed");
    expect(finished.counts).toEqual({ pending: 0, running: 0, done: items.length, failed: 0 });
    // The batch moved to B's runner while it ran, then B let the lease go.
    expect(leaseHolder(db, id)).toBeNull();
    expect(await results(b.url, id)).toBe(await uninterrupted());
    await kill9(b.child);
  }, 120_000);
});
