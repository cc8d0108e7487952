// What the upstream sends is validated where it enters: logprob structures with or without
// alternatives, finite numbers, token counts, and the answer's size. Each case runs over both
// transports (the platform fetch and the Node one).
import { describe, expect, it } from "vitest";
import { nodeFetch } from "../../src/llm/node-fetch";
import { useFakeUpstream } from "../support/file-fake";
import { makeApp, upstreamEnv } from "../support/harness";
import { numbersIn } from "../support/numbers";
import { expectProblem } from "../support/problems";

const fake = useFakeUpstream();

const evaluation = {
  instruction: "Reply with a greeting.",
  response: "Hello there!",
  checklist: { items: [{ question: "Is it a greeting?" }, { question: "Is it polite?" }] },
};
const comparison = { instruction: "Reply with a greeting.", a: "Hello!", b: "Go away.", method: "direct" };

/** The completion's token logprobs, changed one by one. */
const eachToken = (change: (token: any) => void) => (completion: any) => {
  for (const token of completion.choices[0].logprobs?.content ?? []) change(token);
  return completion;
};

describe.each([
  ["fetch", undefined],
  ["undici", nodeFetch],
] as const)("upstream answers over %s", (_transport, transport) => {
  const app = (env: Record<string, string> = {}) => makeApp({ ...upstreamEnv(fake), ...env }, transport ? { fetch: transport } : {});

  it("logprobs without top_logprobs: p(YES) from the sampled token, for gradings and direct comparisons, now and later", async () => {
    const t = app();
    const strip = { kind: "mutate", mutate: eachToken((token) => delete token.top_logprobs) } as const;
    fake.enqueue(strip);
    const first = await t.post("/v1/evaluations", evaluation);
    expect(first.status).toBe(200);
    expect(first.json.signal).toBe("logprobs");
    // The fake samples "YES" for p(YES) 0.9, 95% of it on that spelling (test/support/fake-tokens.ts):
    // without alternatives, the sampled token's own probability is all there is to read.
    for (const r of first.json.results) expect(r.p_yes).toBeCloseTo(0.9 * 0.95, 9);
    // Logprob support, learnt from that answer, does not break the next ones.
    fake.enqueue(strip, strip);
    fake.compare = (call) =>
      JSON.stringify(call.body).indexOf("Hello!") < JSON.stringify(call.body).indexOf("Go away.")
        ? { better: "FIRST", p_first: 0.9 }
        : { better: "SECOND", p_first: 0.3 };
    const direct = await t.post("/v1/comparisons", comparison);
    expect(direct.status).toBe(200);
    // a first: "FIRST" sampled, read as p(a) = 0.9 · 0.95; b first: "SECOND" sampled with 0.7 · 0.95,
    // read as p(FIRST) = 1 − 0.665, so p(a) = 0.665. p_a is the mean of the two orders.
    expect(direct.json.p_a).toBeCloseTo((0.9 * 0.95 + 0.7 * 0.95) / 2, 9);
  });

  it.each([
    ["a logprob of 1000", (t: any) => (t.logprob = 1000)],
    [
      "a positive alternative",
      (t: any) => {
        if (t.top_logprobs[0]) t.top_logprobs[0].logprob = 3;
      },
    ],
    ["a string logprob", (t: any) => (t.logprob = "-0.1")],
    ["a token that is not a string", (t: any) => (t.token = 7)],
    ["bytes that are not bytes", (t: any) => (t.bytes = [300])],
  ])("%s: the answer is used without logprobs, nothing non-finite is served or stored", async (_name, change) => {
    const t = app();
    fake.enqueue({ kind: "mutate", mutate: eachToken(change) });
    const res = await t.post("/v1/evaluations", evaluation);
    expect(res.status).toBe(200);
    expect(res.json.signal).toBe("none");
    expect(res.json.scores.soft).toBeNull();
    for (const r of res.json.results) expect(r.p_yes).toBeNull();
    const stored = await t.get(`/v1/evaluations/${res.json.id}`);
    expect(stored.json.signal).toBe("none");
  });

  it("a logprob of 1e999 (Infinity once parsed) is dropped like any invalid one", async () => {
    const t = app();
    fake.enqueue({ kind: "mutate", mutate: (c: any) => JSON.stringify(c).replace(/"logprob":-?[\d.e-]+/, '"logprob":-1e999') });
    const res = await t.post("/v1/evaluations", evaluation);
    expect(res.status).toBe(200);
    expect(res.json.signal).toBe("none");
  });

  it.each([
    ["negative", -1_000_000],
    ["a string", "00100"],
    ["a fraction", 1.5],
    ["beyond any context", 1e12],
  ])("a token count that is %s is a 502, booked as nothing, and not cached", async (_name, count) => {
    const t = app();
    fake.enqueue({ kind: "mutate", mutate: (c: any) => ({ ...c, usage: { ...c.usage, prompt_tokens: count } }) });
    const res = await t.post("/v1/evaluations", evaluation);
    expectProblem(res, 502, "upstream_invalid_output");
    expect(res.json.detail).toContain("usage.prompt_tokens");
    await new Promise((r) => setTimeout(r, 0));
    await t.services.usage.recorder.flush();
    const usage = await t.get("/v1/usage");
    expect(usage.status).toBe(200);
    expect(usage.json.usage.length).toBeGreaterThan(0);
    for (const [path, n] of numbersIn(usage.json)) expect(Number.isSafeInteger(n) && n >= 0, `${path} = ${n}`).toBe(true);
    // Nothing was cached: the same request reaches the upstream again and succeeds.
    const again = await t.post("/v1/evaluations", evaluation);
    expect(again.status).toBe(200);
    expect(again.json.cached).toBe(false);
  });

  it("a missing usage is read as zero tokens", async () => {
    const t = app();
    fake.enqueue({ kind: "mutate", mutate: (c: any) => ({ ...c, usage: undefined }) });
    const res = await t.post("/v1/evaluations", evaluation);
    expect(res.status).toBe(200);
    expect(res.json.usage).toEqual({ upstream_calls: 1, prompt_tokens: 0, completion_tokens: 0 });
  });

  it.each([
    ["declared", true],
    ["undeclared", false],
  ])("an answer past TICKBOX_MAX_ANSWER_BYTES (%s length) is a 502 and its connection is dropped", async (_name, declared) => {
    const t = app({ TICKBOX_MAX_ANSWER_BYTES: String(256 * 1024), TICKBOX_BREAKER_FAILURES: "1" });
    fake.enqueue({ kind: "huge", bytes: 64 * 1024 * 1024, declared });
    const res = await t.post("/v1/evaluations", evaluation);
    expectProblem(res, 502, "upstream_invalid_output");
    expect(res.json.detail).toContain("TICKBOX_MAX_ANSWER_BYTES");
    await expect.poll(() => fake.answersCut).toBe(1);
    // An oversized answer is the upstream answering: the circuit stays closed.
    expect((await t.post("/v1/evaluations", evaluation)).status).toBe(200);
  });

  it("an answer whose body trickles is cut at TICKBOX_UPSTREAM_TIMEOUT_MS: a 504, counted as an outage", async () => {
    const t = app({ TICKBOX_UPSTREAM_TIMEOUT_MS: "300", TICKBOX_BREAKER_FAILURES: "1" });
    fake.enqueue({ kind: "trickle", everyMs: 20 });
    expectProblem(await t.post("/v1/evaluations", evaluation), 504, "upstream_timeout");
    await expect.poll(() => fake.answersCut).toBe(1);
    // The upstream itself was too slow: the circuit opens.
    expectProblem(await t.post("/v1/evaluations", evaluation), 503, "upstream_unavailable");
  });

  it.each([
    ["an HTML error page", { kind: "raw", contentType: "text/html", body: "<!DOCTYPE html><html><body>Bad gateway</body></html>" }],
    ["garbage bytes", { kind: "raw", contentType: "application/json", body: new Uint8Array([0xff, 0xfe, 0x00, 0x7b]) }],
    ["an empty body", { kind: "raw", body: "" }],
    ["JSON that is not a completion", { kind: "raw", body: '{"hello":"world"}' }],
    ["no choices", { kind: "mutate", mutate: (c: any) => ({ ...c, choices: [] }) }],
    [
      "content that is not text",
      {
        kind: "mutate",
        mutate: (c: any) => {
          c.choices[0].message.content = { a: 1 };
          return c;
        },
      },
    ],
  ] as const)("%s: 502 upstream_invalid_output", async (_name, fault) => {
    const t = app({ TICKBOX_BREAKER_FAILURES: "1" });
    fake.enqueue(fault as never);
    expectProblem(await t.post("/v1/evaluations", evaluation), 502, "upstream_invalid_output");
    expect((await t.post("/v1/evaluations", evaluation)).status).toBe(200);
  });
});
