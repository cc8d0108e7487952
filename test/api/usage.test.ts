import { describe, expect, it } from "vitest";
import { ADMIN_KEY, bearer, useFakeUpstream } from "../support/file-fake";
import { makeApp, upstreamEnv } from "../support/harness";

const fake = useFakeUpstream();

const ADMIN = ADMIN_KEY;
const evaluation = { instruction: "Say hi.", response: "Hi!", checklist: { items: [{ question: "Does it greet?" }, { question: "Is it short?" }] } };
const PRICES = JSON.stringify({ "judge-test": { prompt: 1, completion: 2 } });

describe("GET /v1/usage", () => {
  it("books requests, upstream tokens, cache hits, savings and cost per key and day", async () => {
    const t = makeApp({ ...upstreamEnv(fake), TICKBOX_ADMIN_KEY: ADMIN, TICKBOX_PRICES: PRICES });
    const key = (await t.post("/v1/keys", { name: "k", scopes: ["evaluate"] }, bearer(ADMIN))).json;
    const first = await t.post("/v1/evaluations", evaluation, bearer(key.key));
    await t.post("/v1/evaluations", evaluation, bearer(key.key)); // replayed
    await t.post("/v1/evaluations", JSON.stringify(evaluation, null, 1), { ...bearer(key.key), "content-type": "application/json" }); // from the store
    await t.post("/v1/evaluations", { nope: 1 }, bearer(key.key)); // 422, still a request
    const { prompt_tokens, completion_tokens } = first.json.usage;
    expect(fake.calls).toHaveLength(1);

    const res = await t.send("GET", "/v1/usage", undefined, bearer(key.key));
    expect(res.status).toBe(200);
    expect(res.json.usage).toHaveLength(1);
    const day = res.json.usage[0];
    expect(day).toMatchObject({
      key_id: key.id,
      day: new Date().toISOString().slice(0, 10),
      requests: 4,
      upstream_calls: 1,
      prompt_tokens,
      completion_tokens,
      cache_hits: 2,
      tokens_saved: 2 * (prompt_tokens + completion_tokens),
    });
    expect(day.cost_usd).toBeCloseTo((prompt_tokens * 1 + completion_tokens * 2) / 1e6, 12);
    expect(day.models).toEqual([{ model: "judge-test", upstream_calls: 1, prompt_tokens, completion_tokens, cost_usd: day.cost_usd }]);
  });

  it("shows a key only its own usage; the admin sees all", async () => {
    const t = makeApp({ ...upstreamEnv(fake), TICKBOX_ADMIN_KEY: ADMIN });
    const a = (await t.post("/v1/keys", { name: "a", scopes: ["evaluate"] }, bearer(ADMIN))).json;
    const b = (await t.post("/v1/keys", { name: "b", scopes: ["evaluate"] }, bearer(ADMIN))).json;
    await t.post("/v1/evaluations", evaluation, bearer(a.key));
    await t.post("/v1/evaluations", evaluation, bearer(b.key));
    const own = await t.send("GET", "/v1/usage", undefined, bearer(a.key));
    expect(own.json.usage.map((u: any) => u.key_id)).toEqual([a.id]);
    expect((await t.send("GET", `/v1/usage?key_id=${b.id}`, undefined, bearer(a.key))).status).toBe(403);
    const all = await t.send("GET", "/v1/usage", undefined, bearer(ADMIN));
    expect(all.json.usage.map((u: any) => u.key_id).sort()).toEqual(["admin", a.id, b.id].sort());
  });

  it("429 when a call's reservation would not fit what is left of the daily budget, naming the budget", async () => {
    const t = makeApp({ ...upstreamEnv(fake), TICKBOX_ADMIN_KEY: ADMIN });
    // Room for one grading's reservation (its prompt and schema at a token a byte, about 2,400 here,
    // and an allowance for its answer), not for another once the first has spent about 300.
    const key = (await t.post("/v1/keys", { name: "tight", scopes: ["evaluate"], daily_token_budget: 2600 }, bearer(ADMIN))).json;
    expect((await t.post("/v1/evaluations", evaluation, bearer(key.key))).status).toBe(200);
    const over = await t.post("/v1/evaluations", { ...evaluation, response: "Hello there." }, bearer(key.key));
    expect(over.status).toBe(429);
    expect(over.json.code).toBe("budget_exceeded");
    expect(over.json.detail).toContain("2600");
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(fake.calls).toHaveLength(1);
  });

  it("rejects a malformed price table at start-up, naming the variable", async () => {
    expect(() => makeApp({ TICKBOX_PRICES: "{not json" })).toThrow(/TICKBOX_PRICES/);
  });
});

describe("usage against the upstream's own count", () => {
  it("books every attempt the upstream saw: retries, re-asks and failures included", async () => {
    const t = makeApp({ ...upstreamEnv(fake), TICKBOX_ADMIN_KEY: ADMIN, TICKBOX_UPSTREAM_RETRIES: "1" });
    const key = (await t.post("/v1/keys", { name: "k", scopes: ["evaluate"] }, bearer(ADMIN))).json;
    fake.enqueue(
      { kind: "status", status: 500 }, // retried
      { kind: "content", content: '{"q1":{"rationale":"r","verdict":"YES"}}' }, // missing q2: re-asked
    );
    const ok = await t.post("/v1/evaluations", evaluation, bearer(key.key));
    expect(ok.status).toBe(200);
    const bad = '{"nope":1}';
    fake.enqueue({ kind: "content", content: bad }, { kind: "content", content: bad });
    const failed = await t.post("/v1/evaluations", { ...evaluation, response: "Something else." }, bearer(key.key));
    expect(failed.status).toBe(502);

    const day = (await t.send("GET", "/v1/usage", undefined, bearer(key.key))).json.usage[0];
    expect(day.upstream_calls).toBe(fake.calls.length);
    expect(day.upstream_calls).toBe(5);
    // The successful request's own usage covers its answered attempts; the failed one still cost tokens.
    expect(day.prompt_tokens).toBeGreaterThan(ok.json.usage.prompt_tokens);
    expect(day.completion_tokens).toBeGreaterThan(ok.json.usage.completion_tokens);
  });
});
