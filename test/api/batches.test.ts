import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { infobenchItems, jsonLines, parseLines, settled } from "../support/batches";
import { useFakeUpstream } from "../support/file-fake";
import { makeApp, upstreamEnv } from "../support/harness";
import { useTempDirs } from "../support/temp-dirs";

const fake = useFakeUpstream();

const batchApp = () => makeApp(upstreamEnv(fake), { background: true });
const ndjson = { "content-type": "application/x-ndjson" };

describe("POST /v1/batches — happy paths", () => {
  it("accepts a JSON array at once and grades every item as POST /v1/evaluations would", async () => {
    const t = batchApp();
    const items = infobenchItems();
    fake.latencyMs = 20;
    const res = await t.post("/v1/batches?concurrency=4", items);
    expect(res.status).toBe(202);
    expect(res.json.id).toMatch(/^ba_[0-9a-f]{32}$/);
    expect(res.json.total).toBe(items.length);
    expect(res.json.concurrency).toBe(4);
    // Answered before the work: 20 ms per item cannot all be done yet.
    expect(res.json.counts.done).toBeLessThan(items.length);

    const done = await settled(t.get, res.json.id);
    expect(done.status).toBe("completed");
    expect(done.counts).toEqual({ pending: 0, running: 0, done: items.length, failed: 0 });
    expect(done.summary.usage.upstream_calls).toBe(items.length);
    expect(done.summary.pass_rate).toBe(1);
    expect(done.finished_at).not.toBeNull();

    const results = await t.get(`/v1/batches/${res.json.id}/results`);
    expect(results.status).toBe(200);
    expect(results.headers.get("content-type")).toContain("application/x-ndjson");
    const lines = parseLines(results.text);
    expect(lines.map((l) => l.index)).toEqual(items.map((_, i) => i));
    expect(lines.map((l) => l.custom_id)).toEqual(items.map((i) => i.custom_id));

    // The same item through the single-evaluation route: a cache hit with the same content.
    const { custom_id: _, ...first } = items[0]!;
    const single = await t.post("/v1/evaluations", first);
    expect(single.json.cached).toBe(true);
    const { cached: _c, usage: _u, ...stable } = single.json;
    expect(lines[0].evaluation).toEqual(stable);
    expect(fake.calls).toHaveLength(items.length);
  });

  it("keeps as many upstream calls in flight as the batch's concurrency, and no more", async () => {
    const t = batchApp();
    fake.latencyMs = 25;
    const res = await t.post("/v1/batches?concurrency=3", infobenchItems(15));
    const done = await settled(t.get, res.json.id);
    expect(done.counts.done).toBe(15);
    expect(fake.maxInFlight).toBe(3);
  });

  it("takes JSON Lines, and the same items name the same batch without grading twice", async () => {
    const t = batchApp();
    const items = infobenchItems(6);
    const fromLines = await t.post("/v1/batches", jsonLines(items), ndjson);
    expect(fromLines.status).toBe(202);
    await settled(t.get, fromLines.json.id);
    const again = await t.post("/v1/batches", items);
    expect(again.status).toBe(202);
    expect(again.json.id).toBe(fromLines.json.id);
    expect(again.json.status).toBe("completed");
    expect(fake.calls).toHaveLength(6);
  });

  it("streams results page by page in input order past one page", async () => {
    const t = batchApp();
    const items = infobenchItems(600);
    const res = await t.post("/v1/batches?concurrency=32", items);
    const done = await settled(t.get, res.json.id, 60_000);
    expect(done.counts.done).toBe(600);
    const lines = parseLines((await t.get(`/v1/batches/${res.json.id}/results`)).text);
    expect(lines).toHaveLength(600);
    expect(lines.every((l, i) => l.index === i && l.evaluation.checklist.items.length > 0)).toBe(true);
  });

  it("while a batch runs, results end before its first unfinished item, so reading on from the last index misses nothing", async () => {
    const t = makeApp({ ...upstreamEnv(fake), TICKBOX_UPSTREAM_RETRIES: "1" }, { background: true });
    fake.latencyMs = 5;
    // The first call is told to come back in 0.4 s: its item finishes after all the others.
    fake.enqueue({ kind: "status", status: 503, retryAfter: "0.4" });
    const { json: batch } = await t.post("/v1/batches?concurrency=4", infobenchItems(8));
    for (let view = batch; view.counts.done < 7; await new Promise((r) => setTimeout(r, 10))) {
      view = (await t.get(`/v1/batches/${batch.id}`)).json;
    }
    const mid = await t.get(`/v1/batches/${batch.id}/results`);
    expect(mid.headers.get("x-batch-status")).toBe("running");
    const read = parseLines(mid.text).map((l) => l.index);
    expect(read).toEqual(read.map((_, i) => i)); // a prefix: 0, 1, … with no gap
    expect(read.length).toBeLessThan(8);

    await settled(t.get, batch.id);
    const rest = parseLines((await t.get(`/v1/batches/${batch.id}/results?after=${read.length - 1}`)).text).map((l) => l.index);
    expect([...read, ...rest]).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect((await t.get(`/v1/batches/${batch.id}/results?after=-2`)).status).toBe(422);
  });

  it("records a failing item with its problem, finishes the batch, and retries only the failed", async () => {
    const t = batchApp();
    const items = infobenchItems(4);
    // Refused for the request's own sake (a 4xx): the item's failure. An outage (5xx, reset) is
    // not: its item is tried again (test/e2e/batch-outage.test.ts).
    fake.enqueue({ kind: "status", status: 401 });
    const res = await t.post("/v1/batches?concurrency=1", items);
    const done = await settled(t.get, res.json.id);
    expect(done.status).toBe("completed");
    expect(done.counts).toMatchObject({ done: 3, failed: 1 });
    const lines = parseLines((await t.get(`/v1/batches/${res.json.id}/results`)).text);
    expect(lines[0].problem).toMatchObject({ code: "upstream_error", status: 502 });
    expect(lines[0].evaluation).toBeUndefined();
    expect(lines.slice(1).every((l) => l.evaluation)).toBe(true);

    const callsBefore = fake.calls.length;
    const retried = await t.post(`/v1/batches/${res.json.id}/retry`, undefined);
    expect(retried.status).toBe(200);
    const after = await settled(t.get, res.json.id);
    expect(after.counts).toMatchObject({ done: 4, failed: 0 });
    expect(fake.calls.length - callsBefore).toBe(1);
    expect(parseLines((await t.get(`/v1/batches/${res.json.id}/results`)).text)[0].evaluation.id).toMatch(/^ev_/);
  });

  it("cancels: running items finish, pending ones stay, and retry resumes them", async () => {
    const t = batchApp();
    fake.latencyMs = 30;
    const items = infobenchItems(20);
    const res = await t.post("/v1/batches?concurrency=2", items);
    const cancelled = await t.post(`/v1/batches/${res.json.id}/cancel`, undefined);
    expect(cancelled.status).toBe(200);
    expect(cancelled.json.status).toBe("cancelled");
    expect(cancelled.json.counts.running).toBe(0);
    expect(cancelled.json.counts.pending).toBeGreaterThan(0);
    const doneAtCancel = cancelled.json.counts.done;
    await new Promise((r) => setTimeout(r, 100));
    expect((await t.get(`/v1/batches/${res.json.id}`)).json.counts.done).toBe(doneAtCancel);

    await t.post(`/v1/batches/${res.json.id}/retry`, undefined);
    const done = await settled(t.get, res.json.id);
    expect(done.status).toBe("completed");
    expect(done.counts.done).toBe(20);
    expect(fake.calls).toHaveLength(20);
  });

  it("sends progress as server-sent events and ends with the finished batch", async () => {
    const t = batchApp();
    fake.latencyMs = 10;
    const res = await t.post("/v1/batches?concurrency=2", infobenchItems(12));
    const events = await t.app.request(`/v1/batches/${res.json.id}/events`);
    expect(events.headers.get("content-type")).toContain("text/event-stream");
    const text = await events.text();
    const parsed = [...text.matchAll(/event: (\w+)\ndata: (.*)\n/g)].map((m) => ({ event: m[1], data: JSON.parse(m[2]!) }));
    expect(parsed[0]!.event).toBe("progress");
    expect(parsed.at(-1)!.event).toBe("end");
    expect(parsed.at(-1)!.data.counts.done).toBe(12);
    const done = parsed.map((p) => p.data.counts.done);
    expect(done).toEqual([...done].sort((a, b) => a - b));
  });
});

describe("batches across processes sharing one database file", () => {
  const tempDir = useTempDirs("tickbox-shared-");

  it("a server not working a batch follows it, and its event stream ends when the batch does", async () => {
    const db = join(tempDir(), "shared.db");
    const worker = makeApp({ ...upstreamEnv(fake), TICKBOX_DB: db }, { background: true });
    const follower = makeApp({ ...upstreamEnv(fake), TICKBOX_DB: db }, { background: true });
    fake.latencyMs = 20;
    const { json: batch } = await worker.post("/v1/batches?concurrency=2", infobenchItems(10));
    // The same body to the other server names the same batch; the worker keeps it.
    expect((await follower.post("/v1/batches?concurrency=2", infobenchItems(10))).json.id).toBe(batch.id);
    const events = await (await follower.app.request(`/v1/batches/${batch.id}/events`)).text();
    const last = [...events.matchAll(/event: (\w+)\ndata: (.*)\n/g)].at(-1)!;
    expect(last[1]).toBe("end");
    expect(JSON.parse(last[2]!).counts.done).toBe(10);
    expect(fake.calls).toHaveLength(10);
    worker.close();
    follower.close();
  });
});
