// Limits down the tree of keys on the Workers build, inside workerd: a key made by a key spends from
// its maker's budget and takes from its maker's rate limit too, whichever isolate serves it (every
// instance below is the Worker entry with an env object of its own, as a separate isolate has,
// over the same D1 and the same KeyLimits Durable Objects). A call that would fit once the calls in
// flight settle waits for them rather than being refused, across isolates too. And a batch on the
// queue re-checks its key before each upstream call, so calls waiting for a slot stop with the key.
// The truth is the fake upstream's own count of calls and tokens.
import { afterEach, beforeEach, describe, expect, inject, it } from "vitest";
import { remoteControl } from "../support/fake-control";
import { upstreamVars } from "../support/upstream-vars";
import { freshItems } from "../contract/batches";
import { bindingsWith, capturingQueue, deliver, delivery, workerClient } from "./bindings";

const upstream = remoteControl(inject("upstreamUrl"));
const OPERATOR = "key-tree-admin-key-0123456789";
const vars = { ...upstreamVars(upstream.baseUrl), TICKBOX_ADMIN_KEY: OPERATOR };
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const isolates = (n: number) => Array.from({ length: n }, () => workerClient(bindingsWith(vars)));
const billedBy = (calls: { usage?: { prompt_tokens: number; completion_tokens: number } | undefined }[]) =>
  calls.reduce((sum, c) => sum + (c.usage ? c.usage.prompt_tokens + c.usage.completion_tokens : 0), 0);

let run = 0;
beforeEach(async () => {
  run++;
  await upstream.reset();
});
afterEach(() => upstream.reset());

/** A key made by `maker` (the operator when none is named). */
async function makeKey(body: Record<string, unknown>, maker = OPERATOR) {
  const res = await workerClient(bindingsWith(vars)).post("/v1/keys", { scopes: ["evaluate"], ...body }, bearer(maker));
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return res.json as { id: string; key: string; daily_token_budget: number | null; rate_limit_rpm: number | null };
}

/** A tenant admin key the operator limits, and two keys it makes, which take its limits as their own. */
async function tenantTree(limits: Record<string, number>) {
  const tenant = `tree-${run}-${Date.now().toString(36)}`;
  const maker = await makeKey({ name: `tenant admin ${run}`, tenant, scopes: ["admin"], ...limits });
  const made = [await makeKey({ name: `made one ${run}` }, maker.key), await makeKey({ name: `made two ${run}` }, maker.key)];
  return { maker, made };
}

const evaluation = (label: string, i: number) => ({
  instruction: "Reply to the customer.",
  response: `Key tree run ${run}, ${label} ${i}: we ship tomorrow.`,
  checklist: { items: [{ question: "Does it answer?" }, { question: "Is it polite?" }, { question: "Is it short?" }] },
});

/** What one evaluation reserves, read from outside: the 429 of a budget too small for it says. */
async function reservationOfOneEvaluation(): Promise<number> {
  const tiny = await makeKey({ name: `probe ${run}`, daily_token_budget: 1 });
  const refused = await workerClient(bindingsWith(vars)).post("/v1/evaluations", evaluation("probe", 0), bearer(tiny.key));
  expect(refused.status).toBe(429);
  return Number(/may use up to (\d+) upstream tokens/.exec(refused.json.detail)![1]);
}

describe("limits down the tree of keys, across isolates", () => {
  it("bounds the requests of every key a key made by the maker's rate limit, though each key's own would admit as many", async () => {
    const rpm = 12;
    const { maker, made } = await tenantTree({ rate_limit_rpm: rpm });
    expect(made.map((k) => k.rate_limit_rpm)).toEqual([rpm, rpm]);
    const clients = isolates(6);
    const started = Date.now();
    // Five times the limit, from both keys through six isolates: each key's own bucket alone would
    // admit `rpm`, twice the maker's limit in all.
    const replies = await Promise.all(
      Array.from({ length: rpm * 5 }, (_, i) =>
        clients[i % clients.length]!.send("GET", "/v1/checklists/cl_nothing_here", undefined, bearer(made[i % 2]!.key)),
      ),
    );
    const elapsedMs = Date.now() - started;
    const admitted = replies.filter((r) => r.status !== 429);
    expect(admitted.every((r) => r.status === 404)).toBe(true);
    expect(admitted.length).toBeGreaterThan(0);
    expect(admitted.length).toBeLessThanOrEqual(rpm + Math.floor((rpm * elapsedMs) / 60_000));
    const refused = replies.filter((r) => r.status === 429);
    expect(refused.every((r) => r.json.code === "rate_limited" && Number(r.headers.get("retry-after")) >= 1)).toBe(true);
    // The maker's limit is what ran out. (A key's own bucket can refuse too while tokens it lent to
    // requests the maker's refused are on their way back: a refusal can come early, never late.)
    expect(refused.some((r) => r.json.detail.includes(`key ${maker.id}, which this key was made under`))).toBe(true);
  });

  it("bounds what every key a key made spends by the maker's daily budget, though each key's own would let as much through", async () => {
    const reserved = await reservationOfOneEvaluation();
    // Room for three calls in flight at once; each bills about a ninth of what it reserves, so a
    // key alone could make about 26 calls before its own budget refused it.
    const budget = 4 * reserved - 1;
    await upstream.reset();
    const { maker, made } = await tenantTree({ daily_token_budget: budget });
    expect(made.map((k) => k.daily_token_budget)).toEqual([budget, budget]);
    await upstream.script({ latencyMs: 30 });
    const clients = isolates(5);
    const replies = await Promise.all(
      Array.from({ length: 60 }, (_, i) => clients[i % clients.length]!.post("/v1/evaluations", evaluation(`spend ${i % 2}`, i), bearer(made[i % 2]!.key))),
    );
    const calls = await upstream.calls();
    const billed = billedBy(calls);
    // Within the maker's budget, for both keys together; and more than half of it was used, so the
    // bound is the maker's, not a run that stopped early.
    expect(billed).toBeLessThanOrEqual(budget);
    expect(billed).toBeGreaterThan(budget / 2);
    const served = replies.filter((r) => r.status === 200);
    expect(served).toHaveLength(calls.length);
    const refused = replies.filter((r) => r.status !== 200);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) {
      expect(r.status).toBe(429);
      expect(r.json.code).toBe("budget_exceeded");
      expect(r.json.detail).toContain(`key ${maker.id}, which this key was made under`);
    }
    // Usage booked to each key adds up to what the upstream billed.
    await Promise.all(clients.map((c) => c.flushed()));
    const booked = await Promise.all(
      made.map(async (k) => {
        const usage = (await clients[0]!.send("GET", `/v1/usage?key_id=${k.id}`, undefined, bearer(OPERATOR))).json.usage;
        return usage.reduce((sum: number, day: any) => sum + day.prompt_tokens + day.completion_tokens, 0) as number;
      }),
    );
    expect(booked.every((tokens) => tokens > 0)).toBe(true);
    expect(booked[0]! + booked[1]!).toBe(billed);
    // A key made afterwards is under the same spent budget: refused once it is spent.
    const late = await makeKey({ name: `late ${run}` }, maker.key);
    const more = await clients[1]!.post("/v1/evaluations", evaluation("late", 0), bearer(late.key));
    expect(more.status).toBe(429);
    expect(billedBy(await upstream.calls())).toBeLessThanOrEqual(budget);
  });

  it("lets a call that fits once the calls in flight settle wait for them, across isolates, rather than refusing it", async () => {
    const reserved = await reservationOfOneEvaluation();
    // Room for one call in flight at a time, and for all of them one after another.
    const budget = 2 * reserved - 1;
    await upstream.reset();
    const key = await makeKey({ name: `one at a time ${run}`, daily_token_budget: budget });
    await upstream.script({ latencyMs: 60 });
    const clients = isolates(3);
    const replies = await Promise.all(
      Array.from({ length: 6 }, (_, i) => clients[i % clients.length]!.post("/v1/evaluations", evaluation("wait", i), bearer(key.key))),
    );
    // Without the wait, five of the six would have been refused: only one fits at a time.
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    const calls = await upstream.calls();
    expect(calls).toHaveLength(6);
    expect(billedBy(calls)).toBeLessThanOrEqual(budget);
  });
});

describe("a batch on the queue whose key is revoked while its calls wait for a slot", () => {
  it("sends none of them: the consumer checks the key before each upstream call, and the batch is cancelled", async () => {
    const queue = capturingQueue();
    const own = { ...bindingsWith(vars), BATCH_QUEUE: queue };
    const client = workerClient(own);
    const tenant = `revoked-${run}-${Date.now().toString(36)}`;
    const owner = await makeKey({ name: `batch owner ${run}`, tenant });
    const reader = await makeKey({ name: `batch reader ${run}`, tenant });
    await upstream.script({ latencyMs: 1_500 });
    // One slot: one item's call at the upstream, the others' calls waiting for the slot.
    const created = await client.post("/v1/batches?concurrency=1", freshItems(4, "revoked"), bearer(owner.key));
    expect(created.status).toBe(202);
    await deliver(
      own,
      queue.take().map((m) => delivery(m.body)),
    );
    const items = queue.take();
    expect(items).toHaveLength(4);
    const delivered = deliver(
      own,
      items.map((m) => delivery(m.body)),
    );
    while ((await upstream.maxInFlight()) < 1) await new Promise((r) => setTimeout(r, 10));
    expect((await client.send("DELETE", `/v1/keys/${owner.id}`, undefined, bearer(OPERATOR))).status).toBe(204);
    await delivered;

    // The call already at the upstream finishes; none is sent after the key was revoked.
    const calls = await upstream.calls();
    expect(calls.filter((c) => c.kind === "grading")).toHaveLength(1);
    const batch = (await client.send("GET", `/v1/batches/${created.json.id}`, undefined, bearer(reader.key))).json;
    expect(batch.status).toBe("cancelled");
    expect(batch.counts).toEqual({ pending: 3, running: 0, done: 1, failed: 0 });
  });
});
