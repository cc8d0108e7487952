// Daily token budgets raced by concurrent requests and by a batch. The truth is the fake upstream's
// own count of the tokens it billed (FakeCall.usage), not tickbox's. The bound (docs/budgets.md):
// what a key spends ≤ its budget + Σ over the calls in flight when it ran out of (billed − reserved),
// so ≤ budget when no call bills more than its reservation, and at most n × the largest excess
// with n calls in flight.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { estimateTokens } from "../../src/usage/estimate";
import type { FakeCall } from "../support/fake-upstream";
import { ADMIN_KEY, bearer, useFakeUpstream } from "../support/file-fake";
import { makeApp, upstreamEnv } from "../support/harness";
import { fresh, makeKey, usageOf } from "../support/tenants";

const fake = useFakeUpstream();

const checklist = {
  items: [{ question: "Does it answer the question?", weight: 100, must_pass: true }, { question: "Is it polite?" }, { question: "Is it short?" }],
};
const evaluation = () => ({ instruction: "Answer the customer.", response: fresh("We ship tomorrow"), checklist });

const billed = (calls: FakeCall[]) => calls.reduce((n, c) => n + (c.usage ? c.usage.prompt_tokens + c.usage.completion_tokens : 0), 0);
/** What tickbox reserved for a call the fake received: the estimate of the same messages and schema. */
const reservedFor = (call: FakeCall) =>
  estimateTokens({ messages: call.body.messages, schema: { name: "", schema: call.body.response_format.json_schema.schema } });
const excess = (call: FakeCall) => Math.max(0, (call.usage ? call.usage.prompt_tokens + call.usage.completion_tokens : 0) - reservedFor(call));

function securedApp(extra: Record<string, string> = {}) {
  return makeApp({ ...upstreamEnv(fake), TICKBOX_ADMIN_KEY: ADMIN_KEY, TICKBOX_UPSTREAM_CONCURRENCY: "64", ...extra }, { background: true });
}

describe("a budget raced by concurrent requests", () => {
  it("40 concurrent evaluations on a 10,000-token budget spend no more than 10,000", async () => {
    const t = securedApp();
    const key = await makeKey(t, { name: "tight", scopes: ["evaluate"], daily_token_budget: 10_000 });
    fake.latencyMs = 50;
    const answers = await Promise.all(Array.from({ length: 40 }, () => t.post("/v1/evaluations", evaluation(), bearer(key.key))));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
    for (const a of answers.filter((a) => a.status === 429)) expect(a.json.code).toBe("budget_exceeded");
    const spent = billed(fake.calls);
    expect(spent).toBeLessThanOrEqual(10_000);
    expect((await usageOf(t, key)).tokens).toBe(spent);
    expect(fake.calls).toHaveLength(statuses.filter((s) => s === 200).length);
  });

  it("serves concurrent requests the budget can pay for: they wait for each other's reservations rather than being refused", async () => {
    const t = securedApp();
    const probe = await makeKey(t, { name: "probe", scopes: ["evaluate"] });
    expect((await t.post("/v1/evaluations", evaluation(), bearer(probe.key))).status).toBe(200);
    const cost = billed(fake.calls);
    fake.reset();
    fake.latencyMs = 50;
    // Twice what ten of them cost: every one is affordable, though their reservations (a bound on
    // the prompt, several times its real count) do not all fit at once.
    const key = await makeKey(t, { name: "roomy", scopes: ["evaluate"], daily_token_budget: 20 * cost });
    const answers = await Promise.all(Array.from({ length: 10 }, () => t.post("/v1/evaluations", evaluation(), bearer(key.key))));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    expect(fake.maxInFlight).toBeLessThan(10);
    expect(billed(fake.calls)).toBeLessThanOrEqual(20 * cost);
  });

  it("holds the bound for any budget, concurrency and upstream that bills more than was reserved", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 3_000, max: 30_000 }),
        fc.integer({ min: 1, max: 24 }),
        fc.constantFrom(0.25, 0.5, 1),
        fc.constantFrom(0, 300, 1200),
        async (budget, n, perChar, rationaleChars) => {
          fake.reset();
          fake.latencyMs = 20;
          fake.promptTokensPerChar = perChar;
          fake.answer = () => ({ verdict: "YES", p_yes: 0.9, rationale: "x".repeat(rationaleChars) || "Met." });
          const t = securedApp();
          const key = await makeKey(t, { name: "raced", scopes: ["evaluate"], daily_token_budget: budget });
          const first = await Promise.all(Array.from({ length: n }, () => t.post("/v1/evaluations", evaluation(), bearer(key.key))));
          // Then one at a time until refused: the budget is used up, not merely raced.
          for (let i = 0; i < 30; i++) if ((await t.post("/v1/evaluations", evaluation(), bearer(key.key))).status === 429) break;
          expect(first.every((a) => a.status === 200 || a.json.code === "budget_exceeded")).toBe(true);
          const spent = billed(fake.calls);
          const worst = Math.max(0, ...fake.calls.map(excess));
          expect(spent).toBeLessThanOrEqual(budget + n * worst);
          if (worst === 0) expect(spent).toBeLessThanOrEqual(budget);
          expect((await usageOf(t, key)).tokens).toBe(spent);
          t.close();
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe("a budget raced by a batch", () => {
  it("an 80-item batch on a 10,000-token budget pauses when it is spent, its items left pending", async () => {
    const t = securedApp();
    const key = await makeKey(t, { name: "batcher", scopes: ["evaluate"], daily_token_budget: 10_000 });
    fake.latencyMs = 5;
    const created = await t.post("/v1/batches?concurrency=8", Array.from({ length: 80 }, evaluation), bearer(key.key));
    expect(created.status).toBe(202);
    await t.services.batches!.idle(created.json.id);
    const batch = (await t.send("GET", `/v1/batches/${created.json.id}`, undefined, bearer(key.key))).json;
    expect(batch.status).toBe("paused");
    expect(batch.status_reason).toMatch(/budget of 10000/);
    expect(Date.parse(batch.resumes_at) % 86_400_000).toBe(0);
    expect(batch.counts.failed).toBe(0);
    expect(batch.counts.done).toBeGreaterThanOrEqual(1);
    expect(batch.counts.pending).toBe(80 - batch.counts.done);
    expect(billed(fake.calls)).toBeLessThanOrEqual(10_000);
    expect((await usageOf(t, key)).tokens).toBe(billed(fake.calls));

    // A retry while the budget is still short pauses it again without a call upstream.
    const calls = fake.calls.length;
    const retried = await t.post(`/v1/batches/${created.json.id}/retry`, undefined, bearer(key.key));
    // Refused at the door when nothing at all is left, else restarted, to pause again below: which
    // one depends on how close to the budget the batch stopped.
    if (retried.status === 200) expect(retried.json.status).toBe("running");
    else expect([retried.status, retried.json.code]).toEqual([429, "budget_exceeded"]);
    await t.services.batches!.idle(created.json.id);
    expect(fake.calls.length).toBe(calls);
    expect((await t.send("GET", `/v1/batches/${created.json.id}`, undefined, bearer(key.key))).json.status).toBe("paused");
    await t.services.batches!.stop();
  });
});
