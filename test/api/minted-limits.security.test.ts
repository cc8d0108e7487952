// The operator's limits on a tenant admin key hold for everything made under it. A key made by a
// key is bounded by its maker's budget and rate limit as well as its own, all the way up, and may
// not declare looser ones. Checked from outside, over the API, with keys of several levels racing
// for one budget; the truth is the fake upstream's own bill.
import { describe, expect, it } from "vitest";
import type { FakeCall } from "../support/fake-upstream";
import { ADMIN_KEY, bearer, useFakeUpstream } from "../support/file-fake";
import { makeApp, upstreamEnv } from "../support/harness";
import { expectProblem } from "../support/problems";
import { fresh, makeKey, usageOf } from "../support/tenants";

const fake = useFakeUpstream();

const billed = (calls: FakeCall[]) => calls.reduce((n, c) => n + (c.usage ? c.usage.prompt_tokens + c.usage.completion_tokens : 0), 0);
const checklist = { items: [{ question: "Does it answer the question?" }, { question: "Is it polite?" }] };
const evaluation = () => ({ instruction: "Answer the customer.", response: fresh("We ship tomorrow"), checklist });

function securedApp() {
  return makeApp({ ...upstreamEnv(fake), TICKBOX_ADMIN_KEY: ADMIN_KEY, TICKBOX_UPSTREAM_CONCURRENCY: "64" }, { background: true });
}

describe("limits of a key made by a key", () => {
  it("are no looser than its maker's: more is a 422 naming the field, none takes the maker's", async () => {
    const t = securedApp();
    const admin = await makeKey(t, { name: "acme admin", tenant: "acme", scopes: ["admin"], daily_token_budget: 30_000, rate_limit_rpm: 600 });
    for (const [field, value] of [
      ["daily_token_budget", 1e12],
      ["rate_limit_rpm", 1_000_000],
    ] as const) {
      const looser = await t.post("/v1/keys", { name: "greedy", scopes: ["evaluate"], [field]: value }, bearer(admin.key));
      expectProblem(looser, 422, "limit_exceeded");
      expect(looser.json.errors).toEqual([{ path: `/${field}`, message: expect.stringContaining(field === "rate_limit_rpm" ? "600" : "30000") }]);
    }
    const unstated = await t.post("/v1/keys", { name: "plain", scopes: ["evaluate"] }, bearer(admin.key));
    expect(unstated.status).toBe(201);
    expect(unstated.json).toMatchObject({ daily_token_budget: 30_000, rate_limit_rpm: 600, created_by: admin.id });
    const tighter = await t.post("/v1/keys", { name: "frugal", scopes: ["admin"], daily_token_budget: 5_000, rate_limit_rpm: 60 }, bearer(admin.key));
    expect(tighter.json).toMatchObject({ daily_token_budget: 5_000, rate_limit_rpm: 60 });
    // A level down, the nearest maker's limits are the ceiling.
    expectProblem(await t.post("/v1/keys", { name: "x", scopes: ["evaluate"], daily_token_budget: 6_000 }, bearer(tighter.json.key)), 422, "limit_exceeded");
    const below = await t.post("/v1/keys", { name: "y", scopes: ["evaluate"] }, bearer(tighter.json.key));
    expect(below.json).toMatchObject({ daily_token_budget: 5_000, rate_limit_rpm: 60 });
    // The operator is above every limit.
    const free = await t.post("/v1/keys", { name: "z", tenant: "acme", scopes: ["evaluate"], daily_token_budget: 1e12 }, bearer(ADMIN_KEY));
    expect(free.status).toBe(201);
  });

  it("a maker's budget bounds what every key under it spends, raced by requests and a batch at every level", async () => {
    const t = securedApp();
    const budget = 20_000;
    const admin = await makeKey(t, { name: "acme admin", tenant: "acme", scopes: ["admin"], daily_token_budget: budget });
    const team = await makeKey(t, { name: "team admin", scopes: ["admin"] }, admin.key);
    const worker = await makeKey(t, { name: "worker", scopes: ["evaluate"] }, team.key);
    const other = await makeKey(t, { name: "other", scopes: ["evaluate"] }, admin.key);
    fake.latencyMs = 20;
    const batch = await t.post("/v1/batches?concurrency=8", Array.from({ length: 60 }, evaluation), bearer(worker.key));
    expect(batch.status).toBe(202);
    const raced = await Promise.all(
      [admin, team, worker, other].flatMap((key) => Array.from({ length: 10 }, () => t.post("/v1/evaluations", evaluation(), bearer(key.key)))),
    );
    await t.services.batches!.idle(batch.json.id);
    for (const a of raced) expect(a.status === 200 || a.json.code === "budget_exceeded", JSON.stringify(a.json)).toBe(true);
    const spent = billed(fake.calls);
    expect(spent).toBeGreaterThan(budget / 2);
    expect(spent).toBeLessThanOrEqual(budget);
    // Each key is booked what it spent; together, what the upstream billed.
    const booked = await Promise.all([admin, team, worker, other].map((k) => usageOf(t, k)));
    expect(booked.reduce((n, u) => n + u.tokens, 0)).toBe(spent);

    // Spent for the maker is spent for all under it, a key made after included; reads still answer.
    const late = await makeKey(t, { name: "late", scopes: ["evaluate"] }, team.key);
    for (const key of [late, worker, other]) {
      const refused = await t.post("/v1/evaluations", evaluation(), bearer(key.key));
      expectProblem(refused, 429, "budget_exceeded");
    }
    expect((await t.send("GET", "/v1/usage", undefined, bearer(late.key))).status).toBe(200);
    expect((await t.send("GET", `/v1/batches/${batch.json.id}`, undefined, bearer(worker.key))).json.status).toBe("paused");
    await t.services.batches!.stop();
  });

  it("a maker's rate limit is shared by every key under it", async () => {
    const t = securedApp();
    const admin = await makeKey(t, { name: "acme admin", tenant: "acme", scopes: ["admin"], rate_limit_rpm: 6 });
    // Each made under it, so limited to 6 a minute of its own as well.
    const keys = [admin, ...(await Promise.all([1, 2, 3].map((i) => makeKey(t, { name: `k${i}`, scopes: ["evaluate"] }, admin.key))))];
    const answers = await Promise.all(keys.flatMap((k) => Array.from({ length: 6 }, () => t.send("GET", "/v1/usage", undefined, bearer(k.key)))));
    const served = answers.filter((a) => a.status === 200).length;
    // The three keys were made with three of the maker's six requests: three are left in its minute
    // (a fourth if the test took over ten seconds), for the four keys together.
    expect(served).toBeGreaterThanOrEqual(3);
    expect(served).toBeLessThanOrEqual(4);
    for (const a of answers.filter((a) => a.status !== 200)) {
      expectProblem(a, 429, "rate_limited");
      expect(Number(a.headers.get("retry-after"))).toBeGreaterThan(0);
    }
  });
});
