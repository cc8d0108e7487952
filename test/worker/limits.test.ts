// Rate limits and daily budgets on the Workers build, inside workerd: every instance below is the
// Worker entry with an env object of its own, as a separate isolate has (its own memory, its own
// services), all over the same D1 and the same KeyLimits Durable Objects.
import { beforeEach, describe, expect, inject, it } from "vitest";
import { remoteControl } from "../support/fake-control";
import { upstreamVars } from "../support/upstream-vars";
import { bindingsWith, workerClient } from "./bindings";

const upstream = remoteControl(inject("upstreamUrl"));
const ADMIN = "limits-admin-key-0123456789";
const vars = { ...upstreamVars(upstream.baseUrl), TICKBOX_ADMIN_KEY: ADMIN };
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const isolates = (n: number) => Array.from({ length: n }, () => workerClient(bindingsWith(vars)));

async function makeKey(body: Record<string, unknown>) {
  const res = await workerClient(bindingsWith(vars)).post("/v1/keys", { scopes: ["evaluate"], ...body }, bearer(ADMIN));
  expect(res.status).toBe(201);
  return res.json as { id: string; key: string };
}

let run = 0;
beforeEach(async () => {
  run++;
  await upstream.reset();
});

describe("limits across isolates", () => {
  it("admits no more of a burst from many isolates at once than the key's rate limit and what refills meanwhile", async () => {
    const rpm = 12;
    const key = await makeKey({ name: `burst ${run}`, rate_limit_rpm: rpm });
    const clients = isolates(6);
    const started = Date.now();
    // Five times the limit, spread over six isolates: each alone would admit the limit.
    const replies = await Promise.all(
      Array.from({ length: rpm * 5 }, (_, i) => clients[i % clients.length]!.send("GET", "/v1/checklists/cl_nothing_here", undefined, bearer(key.key))),
    );
    const elapsedMs = Date.now() - started;
    const admitted = replies.filter((r) => r.status !== 429);
    expect(admitted.every((r) => r.status === 404)).toBe(true);
    expect(admitted.length).toBeGreaterThanOrEqual(rpm);
    expect(admitted.length).toBeLessThanOrEqual(rpm + Math.floor((rpm * elapsedMs) / 60_000));
    const refused = replies.filter((r) => r.status === 429);
    expect(refused.every((r) => r.json.code === "rate_limited" && Number(r.headers.get("retry-after")) >= 1)).toBe(true);
  });

  it("keeps a key's daily budget across isolates: what the upstream billed stays within it, and usage says so exactly", async () => {
    // Room for three calls in flight at once (each reserves about 3,100: see docs/budgets.md).
    const budget = 12_000;
    const key = await makeKey({ name: `budget ${run}`, daily_token_budget: budget });
    await upstream.script({ latencyMs: 80 });
    const clients = isolates(5);
    const evaluation = (i: number) => ({
      instruction: "Reply to the customer.",
      response: `Budget run ${run}, reply ${i}: we ship tomorrow.`,
      checklist: { items: [{ question: "Does it answer?" }, { question: "Is it polite?" }, { question: "Is it short?" }] },
    });
    const replies = await Promise.all(
      Array.from({ length: 30 }, (_, i) => clients[i % clients.length]!.post("/v1/evaluations", evaluation(i), bearer(key.key))),
    );
    expect(replies.every((r) => r.status === 200 || (r.status === 429 && r.json.code === "budget_exceeded"))).toBe(true);
    const calls = await upstream.calls();
    const billed = calls.reduce((sum, c) => sum + (c.usage ? c.usage.prompt_tokens + c.usage.completion_tokens : 0), 0);
    // Each call bills well under the estimate it reserved (four characters a token, short rationales),
    // so no overrun at all: calls that did not fit beside those in flight waited for them, and were
    // refused only once what was spent left no room for one more.
    expect(billed).toBeLessThanOrEqual(budget);
    expect(replies.filter((r) => r.status === 200)).toHaveLength(calls.length);
    expect(calls.length).toBeGreaterThan(0);
    await Promise.all(clients.map((c) => c.flushed()));
    const usage = (await clients[0]!.send("GET", `/v1/usage?key_id=${key.id}`, undefined, bearer(ADMIN))).json.usage;
    const booked = usage.reduce((sum: number, day: any) => sum + day.prompt_tokens + day.completion_tokens, 0);
    expect(booked).toBe(billed);
  });
});
