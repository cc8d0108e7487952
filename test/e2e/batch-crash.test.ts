// A batch survives SIGKILL: the server process is killed mid-batch, started again on the same
// SQLite file, and must finish with exactly the results of a run that was never interrupted.
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { infobenchItems } from "../support/batches";
import { type FakeUpstream, startFakeUpstream } from "../support/fake-upstream";
import { upstreamEnv } from "../support/harness";
import { startProcess } from "../support/process";

let fake: FakeUpstream;
let dir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  fake = await startFakeUpstream({ latencyMs: 25 });
  dir = mkdtempSync(join(tmpdir(), "tickbox-crash-"));
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

const startServer = async (db: string) => {
  const started = await startProcess("src/server.ts", { ...upstreamEnv(fake), TICKBOX_DB: db });
  children.push(started.child);
  return started;
};

const status = async (url: string, id: string) => (await (await fetch(`${url}/v1/batches/${id}`)).json()) as any;

async function untilCompleted(url: string, id: string) {
  for (let i = 0; i < 1_000; i++) {
    const batch = await status(url, id);
    if (batch.status === "completed") return batch;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("the batch did not complete");
}

const items = infobenchItems(60);
const submit = (url: string) =>
  fetch(`${url}/v1/batches?concurrency=4`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(items) });

it("resumes a batch after kill -9 with the results of an uninterrupted run and no item graded twice", async () => {
  // The interrupted run.
  const crashDb = join(dir, "crash.db");
  const first = await startServer(crashDb);
  const { id } = (await (await submit(first.url)).json()) as any;
  let before: any;
  do {
    await new Promise((r) => setTimeout(r, 20));
    before = await status(first.url, id);
  } while (before.counts.done < 15);
  first.child.kill("SIGKILL");
  await new Promise((r) => first.child.once("exit", r));
  expect(before.counts.done).toBeLessThan(items.length);
  const callsAtKill = fake.calls.length;

  // Started again, the batch carries on by itself.
  const second = await startServer(crashDb);
  const resumed = await untilCompleted(second.url, id);
  expect(resumed.counts).toEqual({ pending: 0, running: 0, done: items.length, failed: 0 });
  // Items done before the kill are not graded again.
  expect(fake.calls.length - callsAtKill).toBeLessThanOrEqual(items.length - before.counts.done);
  // Each item was paid for once, plus at most the gradings in flight when the process died.
  expect(fake.calls.length).toBeLessThanOrEqual(items.length + 4);
  const resumedResults = await (await fetch(`${second.url}/v1/batches/${id}/results`)).text();
  second.child.kill("SIGTERM");

  // An uninterrupted run on a fresh database.
  const clean = await startServer(join(dir, "clean.db"));
  const cleanId = ((await (await submit(clean.url)).json()) as any).id;
  expect(cleanId).toBe(id);
  await untilCompleted(clean.url, id);
  const cleanResults = await (await fetch(`${clean.url}/v1/batches/${id}/results`)).text();
  clean.child.kill("SIGTERM");

  expect(resumedResults.trim().split("\n")).toHaveLength(items.length);
  expect(resumedResults).toBe(cleanResults);
}, 60_000);
