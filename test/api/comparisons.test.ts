import { describe, expect, it } from "vitest";
import { useFakeUpstream } from "../support/file-fake";
import { infobench, makeApp, payloadOf, upstreamEnv } from "../support/harness";

const fake = useFakeUpstream();

const row = infobench.find((r) => r.eval.includes(false) && r.eval.length >= 3)!;
const weak = "I cannot help with that.";
const request = {
  instruction: row.instruction,
  context: row.input || null,
  a: row.output,
  b: weak,
  checklist: { items: row.decomposed_questions.map((question) => ({ question })) },
};

/** The judge prefers `text` whichever position it is shown in, with p(FIRST) = p when it is first. */
function prefers(text: string, p = 0.9) {
  fake.compare = (call) => {
    const first = payloadOf(call).first_response === text;
    return { better: first ? "FIRST" : "SECOND", p_first: first ? p : 1 - p };
  };
}

describe("POST /v1/comparisons — happy paths", () => {
  it("by checklist (the default): grades both against one checklist and compares them", async () => {
    const t = makeApp(upstreamEnv(fake));
    fake.answer = (_id, index, call) => ({ verdict: payloadOf(call).response === weak || !row.eval[index] ? "NO" : "YES" });
    const res = await t.post("/v1/comparisons", request);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ winner: "a", checklist_winner: "a", p_a: null, position_bias: false, method: "checklist" });
    expect(res.json.scores.a.scores.pass_rate).toBeCloseTo(row.eval.filter(Boolean).length / row.eval.length, 10);
    expect(res.json.scores.b.scores.pass_rate).toBe(0);
    expect(res.json.orders).toBeUndefined();
    expect(fake.calls.map((c) => c.kind)).toEqual(["grading", "grading"]);
    const ev = await t.get(`/v1/evaluations/${res.json.scores.b.evaluation_id}`);
    expect(ev.json.checklist.id).toBe(res.json.checklist_id);
  });

  it("directly: asks twice with the order swapped; the better side wins both and p(a) is averaged", async () => {
    const t = makeApp(upstreamEnv(fake));
    prefers(row.output, 0.8);
    const res = await t.post("/v1/comparisons", { ...request, method: "direct" });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ winner: "a", position_bias: false, method: "direct" });
    expect(res.json.p_a).toBeCloseTo(0.8, 6);
    expect(res.json.scores).toBeUndefined();
    const calls = fake.calls.filter((c) => c.kind === "comparison").map(payloadOf);
    expect(calls).toHaveLength(2);
    expect(calls.map((p) => [p.first_response, p.second_response]).sort()).toEqual(
      [
        [row.output, weak],
        [weak, row.output],
      ].sort(),
    );
    expect(res.json.orders.map((o: any) => [o.shown_first, o.preferred])).toEqual([
      ["a", "a"],
      ["b", "a"],
    ]);
    expect(fake.calls[0]!.body.response_format.json_schema.schema.title).toBe("tickbox_comparison");
    expect(res.json.usage.upstream_calls).toBe(2);
  });

  it("calls a tie with position bias when the judge always prefers the first position", async () => {
    const t = makeApp(upstreamEnv(fake));
    fake.compare = () => ({ better: "FIRST", p_first: 0.7 });
    const res = await t.post("/v1/comparisons", { ...request, method: "direct" });
    expect(res.json).toMatchObject({ winner: "tie", position_bias: true });
    expect(res.json.orders.map((o: any) => o.preferred)).toEqual(["a", "b"]);
    // p(a) = (0.7 with a first + 0.3 with b first) / 2.
    expect(res.json.p_a).toBeCloseTo(0.5, 6);
  });

  it("caches each ordered judgement: a repeat, and the same pair swapped, cost nothing", async () => {
    const t = makeApp(upstreamEnv(fake));
    prefers(weak, 0.6);
    const first = await t.post("/v1/comparisons", { ...request, method: "direct" });
    expect(first.json.winner).toBe("b");
    const again = await t.post("/v1/comparisons", { ...request, method: "direct" });
    const swapped = await t.post("/v1/comparisons", { ...request, a: weak, b: row.output, method: "direct" });
    expect(fake.calls).toHaveLength(2);
    expect(again.json).toEqual({ ...first.json, usage: { upstream_calls: 0, prompt_tokens: 0, completion_tokens: 0 } });
    expect(swapped.json.winner).toBe("a");
    expect(swapped.json.p_a).toBeCloseTo(1 - first.json.p_a, 10);
  });

  it("with both: the checklist decides, and the direct judgement settles a checklist tie", async () => {
    const t = makeApp(upstreamEnv(fake));
    prefers(weak);
    fake.answer = () => ({ verdict: "YES" });
    const tied = await t.post("/v1/comparisons", { ...request, method: "both" });
    expect(tied.json).toMatchObject({ checklist_winner: "tie", winner: "b", method: "both" });
    expect(tied.json.usage.upstream_calls).toBe(4);
    // New texts: the first pair's gradings are cached.
    fake.answer = (_id, _i, call) => ({ verdict: payloadOf(call).response === "Another weak one." ? "NO" : "YES" });
    const decided = await t.post("/v1/comparisons", { ...request, a: "Another good one.", b: "Another weak one.", method: "both" });
    expect(decided.json).toMatchObject({ checklist_winner: "a", winner: "a" });
  });

  it("reports p_a null when the server sends no logprobs", async () => {
    const t = makeApp(upstreamEnv(fake));
    fake.logprobs = "none";
    prefers(row.output);
    const res = await t.post("/v1/comparisons", { ...request, method: "direct" });
    expect(res.json.winner).toBe("a");
    expect(res.json.p_a).toBeNull();
  });
});

describe("POST /v1/comparisons — calibrated", () => {
  // A judge that is right four times in five when it says 0.9 for a, and guesses at 0.5.
  const examples = Array.from({ length: 120 }, (_, i) => {
    const sure = i % 2 === 0;
    return { p_a: sure ? 0.9 : 0.5, label: sure ? (i % 10 === 0 ? "b" : "a") : i % 4 === 1 ? "a" : "b" };
  });

  it("carries the confidence block of p_a under a pairwise profile", async () => {
    const t = makeApp(upstreamEnv(fake));
    const profile = await t.post("/v1/calibrations", { name: "pairs", kind: "pairwise", examples });
    expect(profile.status).toBe(200);
    prefers(row.output, 0.9);
    const res = await t.post("/v1/comparisons", { ...request, method: "direct", calibration_id: profile.json.id });
    expect(res.status).toBe(200);
    expect(res.json.p_a).toBeCloseTo(0.9, 6);
    const direct = await t.post("/v1/confidence", { calibration_id: profile.json.id, p_a: res.json.p_a });
    const { usage: _, ...expected } = direct.json;
    expect(res.json.confidence).toEqual(expected);
    expect(res.json.confidence.verdict).toBe("a");
  });

  // A judge sure of half the items (0.95, wrong on one in twenty of them) and unsure of the rest:
  // certified just above 0.55, so an unsure judge abstains and a sure one answers.
  const sharp = Array.from({ length: 200 }, (_, i) => {
    const sure = i % 2 === 0;
    const right = sure ? i % 40 !== 0 : i % 4 === 1;
    return { p_a: sure ? 0.95 : 0.55, label: right ? "a" : "b" };
  });
  /** Each judge model's p(a better) for a pair whose a is `a`: the fake answers as that model would. */
  function judgesSay(pA: Record<string, number>, a = row.output) {
    fake.compare = (call) => {
      const p = pA[String(call.body.model)];
      if (p === undefined) throw new Error(`no script for model ${call.body.model}`);
      const aFirst = payloadOf(call).first_response === a;
      const pFirst = aFirst ? p : 1 - p;
      return { better: pFirst >= 0.5 ? "FIRST" : "SECOND", p_first: pFirst };
    };
  }
  const comparisonModels = () => fake.calls.filter((c) => c.kind === "comparison").map((c) => c.body.model);

  it("is made by the model the profile names, not the configured judge", async () => {
    const t = makeApp({ ...upstreamEnv(fake), TICKBOX_JUDGE_MODELS: "judge-y,judge-z" });
    const profile = await t.post("/v1/calibrations", { name: "judge-z pairs", kind: "pairwise", judge: "judge-z", examples: sharp });
    expect(profile.json.threshold).not.toBeNull();
    judgesSay({ "judge-z": 0.95, "judge-test": 0.05 });
    const res = await t.post("/v1/comparisons", { ...request, method: "direct", calibration_id: profile.json.id });
    expect(res.status).toBe(200);
    expect(comparisonModels()).toEqual(["judge-z", "judge-z"]);
    expect(res.json.p_a).toBeCloseTo(0.95, 6);
    expect(res.json.confidence).toMatchObject({ decided_by: { stage: 0, judge: "judge-z" }, reason: "certified", verdict: "a" });
    // With method both, the checklist is graded by the same judge.
    fake.calls.length = 0;
    fake.answer = () => ({ verdict: "YES" });
    await t.post("/v1/comparisons", { ...request, a: `${row.output} `, method: "both", calibration_id: profile.json.id });
    expect(new Set(fake.calls.map((c) => c.body.model))).toEqual(new Set(["judge-z"]));
  });

  it("in a cascade, starts with the first judge and asks the next to compare the pair when it abstains", async () => {
    const t = makeApp({ ...upstreamEnv(fake), TICKBOX_JUDGE_MODELS: "judge-y,judge-z" });
    const judges = [
      { model: "judge-y", examples: sharp },
      { model: "judge-z", examples: sharp },
    ];
    const profile = await t.post("/v1/calibrations", { name: "cascade pairs", kind: "pairwise", judges });
    const lambda = profile.json.threshold.lambda;
    expect(lambda).toBeGreaterThan(0.55);
    expect(lambda).toBeLessThanOrEqual(0.95);
    judgesSay({ "judge-y": 0.55, "judge-z": 0.95 });
    const res = await t.post("/v1/comparisons", { ...request, method: "direct", calibration_id: profile.json.id });
    expect(res.status).toBe(200);
    expect(comparisonModels()).toEqual(["judge-y", "judge-y", "judge-z", "judge-z"]);
    // The comparison is the first judge's; the decision is the cascade's.
    expect(res.json.p_a).toBeCloseTo(0.55, 6);
    const block = res.json.confidence;
    expect(block.stages.map((s: any) => [s.stage, s.judge, s.reason])).toEqual([
      [0, "judge-y", "below_threshold"],
      [1, "judge-z", "certified"],
    ]);
    expect(block.stages[1].p_raw).toBeCloseTo(0.95, 6);
    expect(block).toMatchObject({ decided_by: { stage: 1, judge: "judge-z" }, escalate_to: null, verdict: "a", abstain: false });
    expect(res.json.usage.upstream_calls).toBe(4);
    // The same route as /v1/confidence takes for the two judges' signals.
    const routed = await t.post("/v1/confidence", { calibration_id: profile.json.id, p_a: block.stages[1].p_raw, stage: 1, previous: [block.stages[0].p_raw] });
    const { usage: _, ...expected } = routed.json;
    expect(block).toEqual(expected);

    // Sure at the first judge: the second is never asked.
    fake.calls.length = 0;
    judgesSay({ "judge-y": 0.05, "judge-z": 0.95 }, `${row.output}.`);
    const decided = await t.post("/v1/comparisons", { ...request, a: `${row.output}.`, method: "direct", calibration_id: profile.json.id });
    expect(comparisonModels()).toEqual(["judge-y", "judge-y"]);
    expect(decided.json.confidence).toMatchObject({ decided_by: { stage: 0, judge: "judge-y" }, verdict: "b" });
  });

  it("422 before any upstream call for the checklist method or a pointwise profile", async () => {
    const t = makeApp(upstreamEnv(fake));
    const pointwise = await t.post("/v1/calibrations", {
      name: "points",
      kind: "pointwise",
      examples: examples.map((e) => ({ p: e.p_a, label: e.label === "a" ? 1 : 0 })),
    });
    const byChecklist = await t.post("/v1/comparisons", { ...request, calibration_id: pointwise.json.id });
    expect(byChecklist.status).toBe(422);
    expect(byChecklist.json.errors[0].path).toBe("/calibration_id");
    const wrongKind = await t.post("/v1/comparisons", { ...request, method: "direct", calibration_id: pointwise.json.id });
    expect(wrongKind.status).toBe(422);
    expect((await t.post("/v1/comparisons", { ...request, method: "direct", calibration_id: "cb_missing" })).status).toBe(404);
    expect(fake.calls).toHaveLength(0);
  });
});
