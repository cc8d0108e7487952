// Batches on a Node server process through upstream trouble, watched from outside:
// - an outage window mid-batch (every connection reset for two seconds): the circuit breaker opens,
//   and no item is failed for it; the batch completes with every item graded, none twice;
// - a server stopped (SIGSTOP) past its lease while another on the same file takes its batch over:
//   resumed, it calls the upstream for nothing more.
import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { infobenchItems } from "../support/batches";
import { type FakeCall, type FakeUpstream, startFakeUpstream } from "../support/fake-upstream";
import { payloadOf, upstreamEnv } from "../support/harness";
import { startProcess } from "../support/process";
import { useTempDirs } from "../support/temp-dirs";

let fake: FakeUpstream;
const children: ChildProcess[] = [];
const tempDir = useTempDirs("tickbox-outage-");

beforeAll(async () => {
  fake = await startFakeUpstream({ latencyMs: 30 });
});
afterEach(() => {
  for (const child of children.splice(0)) {
    child.kill("SIGCONT");
    child.kill("SIGKILL");
  }
});
afterAll(() => fake.close());

async function server(db: string, extra: Record<string, string> = {}) {
  const started = await startProcess("src/server.ts", { ...upstreamEnv(fake), TICKBOX_DB: db, ...extra });
  children.push(started.child);
  return started;
}

const post = async (url: string, items: unknown[], concurrency: number) =>
  (await (
    await fetch(`${url}/v1/batches?concurrency=${concurrency}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(items),
    })
  ).json()) as any;
const view = async (url: string, id: string) => (await (await fetch(`${url}/v1/batches/${id}`)).json()) as any;

async function until(url: string, id: string, done: (batch: any) => boolean, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const batch = await view(url, id);
    if (done(batch)) return batch;
    if (Date.now() > deadline) throw new Error(`batch ${id}: ${batch.status} ${JSON.stringify(batch.counts)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Graded answers the fake gave, by the response they graded. */
function answeredByResponse(calls: FakeCall[]): Map<string, number> {
  const answered = new Map<string, number>();
  for (const call of calls) {
    if (call.kind !== "grading" || !call.usage) continue;
    const response = payloadOf(call).response as string;
    answered.set(response, (answered.get(response) ?? 0) + 1);
  }
  return answered;
}

describe("a batch on a Node server", () => {
  it("completes with every item graded, none twice, through a two-second outage that opens the breaker", async () => {
    fake.reset();
    const { url } = await server(join(tempDir(), "outage.db"), { TICKBOX_BREAKER_COOLDOWN_MS: "1000" });
    const items = infobenchItems(160);
    const { id } = await post(url, items, 4);
    await until(url, id, (b) => b.counts.done >= 20);
    // The outage: every connection reset as it arrives, for two seconds.
    for (let i = 0; i < 5_000; i++) fake.enqueue({ kind: "reset" });
    await new Promise((r) => setTimeout(r, 2_000));
    const beforeRecovery = [...fake.calls];
    const resets = beforeRecovery.filter((c) => !c.usage).length;
    fake.reset(); // the upstream is back (and its count of calls starts again)
    fake.latencyMs = 30;
    const done = await until(url, id, (b) => b.status !== "running", 90_000);
    expect(done.counts).toEqual({ pending: 0, running: 0, done: items.length, failed: 0 });
    expect(resets).toBeGreaterThan(5);
    const answered = answeredByResponse([...beforeRecovery, ...fake.calls]);
    expect(answered.size).toBe(items.length);
    expect([...answered.values()].every((n) => n === 1)).toBe(true);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/tickbox_upstream_calls_total\{kind="tickbox_grading",outcome="error"\} \d+/);
  }, 120_000);

  it("a server stopped past its lease calls nothing more once resumed: another has its batch, and graded the rest once", async () => {
    fake.reset();
    fake.latencyMs = 100;
    const db = join(tempDir(), "stopped.db");
    // Each server with a key of its own, so that the fake can tell who called.
    const [first, second] = await Promise.all(
      ["first-server", "second-server"].map((key) => server(db, { TICKBOX_BATCH_LEASE_MS: "1500", OPENAI_API_KEY: key })),
    );
    const items = infobenchItems(60);
    const { id } = await post(first!.url, items, 4);
    await until(second!.url, id, (b) => b.counts.done >= 8);
    const byFirst = () => fake.calls.filter((c) => c.headers.authorization === "Bearer first-server").length;
    first!.child.kill("SIGSTOP");
    const doneAtStop = (await view(second!.url, id)).counts.done;
    // The second server's sweep takes the batch once the first has been silent for a lease.
    await until(second!.url, id, (b) => b.counts.done >= doneAtStop + 8, 30_000);
    const callsBeforeResume = byFirst();
    first!.child.kill("SIGCONT");
    const done = await until(second!.url, id, (b) => b.status !== "running");
    await new Promise((r) => setTimeout(r, 500));
    expect(done.counts).toEqual({ pending: 0, running: 0, done: items.length, failed: 0 });
    // Resumed, the first server made no upstream call: it renewed its lease first, found it taken, and let go.
    expect(byFirst()).toBe(callsBeforeResume);
    // Only items its workers had in hand when it was stopped were graded twice (their calls sent, or
    // answered and not yet stored, the second server could not know): at most one per worker, and
    // concurrency 4 runs 5 workers.
    const answered = answeredByResponse(fake.calls);
    expect(answered.size).toBe(items.length);
    const twice = [...answered.values()].filter((n) => n > 1);
    expect(twice.every((n) => n === 2)).toBe(true);
    expect(twice.length).toBeLessThanOrEqual(5);
  }, 90_000);
});
