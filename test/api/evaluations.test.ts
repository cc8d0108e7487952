import { describe, expect, it } from "vitest";
import { useFakeUpstream } from "../support/file-fake";
import { answerLike, infobench, makeApp, upstreamEnv } from "../support/harness";

const fake = useFakeUpstream();

const withNo = infobench.find((r) => r.eval.includes(false) && r.eval.length >= 4)!;

function evaluationRequest(row = withNo) {
  return {
    instruction: row.instruction,
    context: row.input || null,
    response: row.output,
    checklist: { items: row.decomposed_questions.map((question) => ({ question })) },
  };
}

describe("POST /v1/evaluations — happy paths", () => {
  it("grades every item of an inline checklist in one call and scores it", async () => {
    const t = makeApp(upstreamEnv(fake));
    answerLike(fake, withNo);
    const res = await t.post("/v1/evaluations", evaluationRequest());
    expect(res.status).toBe(200);
    const body = res.json;
    expect(body.results.map((r: any) => r.verdict === "YES")).toEqual(withNo.eval);
    const yes = withNo.eval.filter(Boolean).length;
    expect(body.scores.pass_rate).toBeCloseTo(yes / withNo.eval.length, 10);
    // Equal default weights: weighted equals the pass rate.
    expect(body.scores.weighted).toBeCloseTo(body.scores.pass_rate, 10);
    expect(body.signal).toBe("logprobs");
    expect(body.cached).toBe(false);
    expect(body.usage.upstream_calls).toBe(1);
    expect(body.usage.prompt_tokens).toBeGreaterThan(0);
    expect(fake.calls).toHaveLength(1);
    expect(fake.calls[0]!.kind).toBe("grading");
  });

  it("sends a grading schema that requires exactly the checklist's item ids", async () => {
    const t = makeApp(upstreamEnv(fake));
    await t.post("/v1/evaluations", evaluationRequest());
    const format = fake.calls[0]!.body.response_format;
    expect(format.type).toBe("json_schema");
    expect(format.json_schema.strict).toBe(true);
    const ids = withNo.decomposed_questions.map((_, i) => `q${i + 1}`);
    expect(format.json_schema.schema.required).toEqual(ids);
    expect(Object.keys(format.json_schema.schema.properties)).toEqual(ids);
    expect(format.json_schema.schema.additionalProperties).toBe(false);
    expect(fake.calls[0]!.body.temperature).toBe(0);
    expect(fake.calls[0]!.body.logprobs).toBe(true);
  });

  it.each(["split", "fused"] as const)("reads p(YES) from %s verdict tokens", async (mode) => {
    const t = makeApp(upstreamEnv(fake));
    fake.logprobs = mode;
    const probabilities = [0.97, 0.2, 0.64, 0.05, 0.81, 0.5];
    fake.answer = (_id, i) => ({ verdict: probabilities[i]! >= 0.5 ? "YES" : "NO", p_yes: probabilities[i]! });
    const res = await t.post("/v1/evaluations", evaluationRequest());
    const got = res.json.results.map((r: any) => r.p_yes);
    got.forEach((p: number, i: number) => {
      expect(p).toBeCloseTo(probabilities[i]!, 6);
    });
    const w = 1 / got.length;
    expect(res.json.scores.soft).toBeCloseTo(
      got.reduce((s: number, p: number) => s + w * p, 0),
      10,
    );
  });

  it("bounds a missing NO alternative by the smallest listed probability", async () => {
    const t = makeApp(upstreamEnv(fake));
    fake.answer = () => ({ verdict: "YES", p_yes: 0.999, omit_no: true });
    const res = await t.post("/v1/evaluations", evaluationRequest());
    for (const r of res.json.results) {
      expect(r.p_yes).toBeGreaterThan(0.99);
      expect(r.p_yes).toBeLessThan(1);
    }
  });

  it("says signal none and leaves p_yes null when the server returns no logprobs", async () => {
    const t = makeApp(upstreamEnv(fake));
    fake.logprobs = "none";
    const res = await t.post("/v1/evaluations", evaluationRequest());
    expect(res.json.signal).toBe("none");
    expect(res.json.results.every((r: any) => r.p_yes === null)).toBe(true);
    expect(res.json.scores.soft).toBeNull();
    // The probe is remembered: the next grading does not ask for logprobs.
    await t.post("/v1/evaluations", { ...evaluationRequest(), response: "another response" });
    expect(fake.calls[1]!.body.logprobs).toBeUndefined();
  });

  it("serves the same request again from the store, and by id", async () => {
    const t = makeApp(upstreamEnv(fake));
    const first = await t.post("/v1/evaluations", evaluationRequest());
    const second = await t.post("/v1/evaluations", evaluationRequest());
    expect(fake.calls).toHaveLength(1);
    expect(second.json.cached).toBe(true);
    expect(second.json.usage).toEqual({ upstream_calls: 0, prompt_tokens: 0, completion_tokens: 0 });
    expect(second.json.id).toBe(first.json.id);
    expect(second.json.results).toEqual(first.json.results);
    const byId = await t.get(`/v1/evaluations/${first.json.id}`);
    expect(byId.status).toBe(200);
    expect(byId.json.results).toEqual(first.json.results);
    expect(byId.json.checklist.id).toBe(first.json.checklist.id);
  });

  it("grades a different response with a new call", async () => {
    const t = makeApp(upstreamEnv(fake));
    await t.post("/v1/evaluations", evaluationRequest());
    const other = await t.post("/v1/evaluations", { ...evaluationRequest(), response: "Something else." });
    expect(other.json.cached).toBe(false);
    expect(fake.calls).toHaveLength(2);
  });

  it("generates a checklist first when given none, and caches both", async () => {
    const t = makeApp(upstreamEnv(fake));
    const res = await t.post("/v1/evaluations", { instruction: withNo.instruction, response: withNo.output });
    expect(res.status).toBe(200);
    expect(fake.calls.map((c) => c.kind)).toEqual(["checklist", "grading"]);
    expect(res.json.usage.upstream_calls).toBe(2);
    expect(res.json.checklist.items).toHaveLength(fake.checklist.length);
    const again = await t.post("/v1/evaluations", { instruction: withNo.instruction, response: withNo.output });
    expect(again.json.cached).toBe(true);
    expect(fake.calls).toHaveLength(2);
  });

  it("grades against a stored checklist by id", async () => {
    const t = makeApp(upstreamEnv(fake));
    const checklist = await t.post("/v1/checklists", {
      instruction: withNo.instruction,
      items: [
        { question: "Is it short?", weight: 10 },
        { question: "Is it correct?", weight: 90, must_pass: true },
      ],
    });
    fake.answer = (_id, i) => ({ verdict: i === 0 ? "YES" : "NO" });
    const res = await t.post("/v1/evaluations", {
      instruction: withNo.instruction,
      response: withNo.output,
      checklist_id: checklist.json.id,
    });
    expect(res.status).toBe(200);
    expect(res.json.scores.pass_rate).toBe(0.5);
    expect(res.json.scores.weighted).toBeCloseTo(0.1, 10);
    expect(res.json.passed).toBe(false);
  });

  it("fails a response that misses a must-pass item even with a high weighted score", async () => {
    const t = makeApp(upstreamEnv(fake));
    fake.answer = (_id, i) => ({ verdict: i === 0 ? "NO" : "YES" });
    const items = [
      { question: "Critical?", weight: 1, must_pass: true },
      { question: "Big?", weight: 100 },
    ];
    const res = await t.post("/v1/evaluations", { instruction: "x", response: "y", checklist: { items } });
    expect(res.json.scores.weighted).toBeGreaterThan(0.98);
    expect(res.json.passed).toBe(false);
    fake.answer = () => ({ verdict: "YES" });
    const lenient = await t.post("/v1/evaluations", {
      instruction: "x",
      response: "y",
      checklist: { items: [items[1]!] },
      pass_threshold: 0.99,
    });
    expect(lenient.json.passed).toBe(true);
  });

  it("works with servers that only offer json_object or plain text", async () => {
    for (const mode of ["json_object", "text"]) {
      fake.reset();
      const t = makeApp({ ...upstreamEnv(fake), TICKBOX_STRUCTURED_OUTPUT: mode });
      answerLike(fake, withNo);
      const res = await t.post("/v1/evaluations", evaluationRequest());
      expect(res.status).toBe(200);
      expect(res.json.results.map((r: any) => r.verdict === "YES")).toEqual(withNo.eval);
      const body = fake.calls[0]!.body;
      if (mode === "json_object") expect(body.response_format).toEqual({ type: "json_object" });
      else expect(body.response_format).toBeUndefined();
      expect(body.messages[0].content).toContain("```schema");
    }
  });

  it("reads an answer wrapped in prose and a code fence", async () => {
    const t = makeApp({ ...upstreamEnv(fake), TICKBOX_STRUCTURED_OUTPUT: "text" });
    const items = [{ question: "A?" }, { question: "B?" }];
    fake.enqueue({
      kind: "content",
      content: 'Here is my evaluation:\n```json\n{"q1":{"rationale":"ok","verdict":"YES"},"q2":{"rationale":"no","verdict":"NO"}}\n```',
    });
    const res = await t.post("/v1/evaluations", { instruction: "i", response: "r", checklist: { items } });
    expect(res.status).toBe(200);
    expect(res.json.results.map((r: any) => r.verdict)).toEqual(["YES", "NO"]);
  });
});

describe("POST /v1/evaluations — caching layers", () => {
  it("serves repeats from the store when the replay cache is off", async () => {
    const t = makeApp({ ...upstreamEnv(fake), TICKBOX_REPLAY_CACHE_MB: "0" });
    const first = await t.post("/v1/evaluations", evaluationRequest());
    const second = await t.post("/v1/evaluations", evaluationRequest());
    expect(second.json).toEqual({ ...first.json, cached: true, usage: { upstream_calls: 0, prompt_tokens: 0, completion_tokens: 0 } });
    expect(fake.calls).toHaveLength(1);
    expect(t.services.metrics.cache.get({ kind: "grading", outcome: "hit" })).toBe(1);
  });

  it("replays an exact repeat with the same answer the store would give", async () => {
    const t = makeApp(upstreamEnv(fake));
    const first = await t.post("/v1/evaluations", evaluationRequest());
    const replayed = await t.post("/v1/evaluations", evaluationRequest());
    expect(t.services.metrics.cache.get({ kind: "grading", outcome: "replay" })).toBe(1);
    // The same evaluation with a body that differs only in spacing goes through the store.
    const fromStore = await t.post("/v1/evaluations", JSON.stringify(evaluationRequest(), null, 2));
    expect(t.services.metrics.cache.get({ kind: "grading", outcome: "hit" })).toBe(1);
    expect(replayed.json).toEqual(fromStore.json);
    expect(replayed.json.id).toBe(first.json.id);
    expect(fake.calls).toHaveLength(1);
  });

  it("names the request in problem bodies and the X-Request-Id header, reusing the caller's", async () => {
    const t = makeApp(upstreamEnv(fake));
    const res = await t.send("GET", "/v1/evaluations/ev_nope", undefined, { "x-request-id": "trace-123" });
    expect(res.headers.get("x-request-id")).toBe("trace-123");
    expect(res.json.instance).toBe("urn:request:trace-123");
    const generated = await t.get("/v1/evaluations/ev_nope");
    expect(generated.json.instance).toBe(`urn:request:${generated.headers.get("x-request-id")}`);
  });
});
