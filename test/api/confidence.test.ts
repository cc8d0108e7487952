import { describe, expect, it } from "vitest";
import { pointwiseExamples, seeded } from "../support/calibration-data";
import { useFakeUpstream } from "../support/file-fake";
import { createApp } from "../../src/app";
import { parseConfig } from "../../src/config";
import { buildServices } from "../../src/services";
import { createCalibrationStore } from "../../src/store/calibration-store";
import { openSqlite } from "../../src/store/sqlite";
import { createSqlStores } from "../../src/store/sql-stores";
import { clientOver } from "../support/client";
import { infobench, makeApp, upstreamEnv } from "../support/harness";

const fake = useFakeUpstream();

const row = infobench.find((r) => r.decomposed_questions.length >= 3)!;
const grading = {
  instruction: row.instruction,
  context: row.input || null,
  response: row.output,
  checklist: { items: row.decomposed_questions.map((question) => ({ question })) },
};

/** A cheap judge (well-calibrated, vague) and a strong one (sure, right 95% of the time) on the same items. */
function cascadeJudges() {
  const cheap = pointwiseExamples(300, 21);
  const rng = seeded(22);
  const strong = cheap.map((e) => {
    const right = rng() < 0.95;
    const sure = 0.9 + 0.09 * rng();
    return { p: (e.label === 1) === right ? sure : 1 - sure, label: e.label };
  });
  return [
    { model: "judge-cheap", examples: cheap },
    { model: "judge-strong", examples: strong },
  ];
}

/** The cheap model is unsure of everything; the strong one is sure. */
function scriptByModel(pCheap = 0.55, pStrong = 0.97) {
  fake.answer = (_id, _i, call) => {
    const p = call.body.model === "judge-cheap" ? pCheap : pStrong;
    return { verdict: p >= 0.5 ? "YES" : "NO", p_yes: p };
  };
}

const gradingCalls = () => fake.calls.filter((c) => c.kind === "grading");

describe("cascades over judge models", () => {
  it("an evaluation with a cascade profile escalates to the next judge model on the same checklist", async () => {
    const t = makeApp({ ...upstreamEnv(fake), TICKBOX_JUDGE_MODELS: "judge-cheap,judge-strong" });
    const profile = (await t.post("/v1/calibrations", { name: "cascade", kind: "pointwise", judges: cascadeJudges() })).json;
    expect(profile.judges[1].threshold).not.toBeNull();
    scriptByModel();
    const res = await t.post("/v1/evaluations", { ...grading, calibration_id: profile.id });
    expect(res.status).toBe(200);
    const body = res.json;
    expect(body.model).toBe("judge-cheap");
    expect(gradingCalls().map((c) => c.body.model)).toEqual(["judge-cheap", "judge-strong"]);
    const [first, second] = gradingCalls().map((c) => c.body.response_format.json_schema.schema.required);
    expect(second).toEqual(first);
    expect(body.usage.upstream_calls).toBe(2);
    const c = body.confidence;
    expect(c.stages.map((s: any) => s.judge)).toEqual(["judge-cheap", "judge-strong"]);
    expect(c.stages[0]).toMatchObject({ abstain: true, evaluation_id: body.id });
    expect(c.stages[0].p_raw).toBeCloseTo(0.55, 6);
    expect(c.stages[1].evaluation_id).not.toBe(body.id);
    expect(c).toMatchObject({ abstain: false, reason: "certified", verdict: "pass", decided_by: { stage: 1, judge: "judge-strong" } });
    expect(c.guarantee.agreement_at_least).toBeCloseTo(0.8, 12);

    // The same request again: nothing is paid for, and the answer is the same.
    const again = await t.post("/v1/evaluations", { ...grading, calibration_id: profile.id });
    expect(again.json.cached).toBe(true);
    expect(again.json.usage.upstream_calls).toBe(0);
    expect(again.json.confidence).toEqual(c);
    expect(gradingCalls()).toHaveLength(2);
  });

  it("POST /v1/confidence grades, escalates, and routes a later judge's stored evaluation from the first judge", async () => {
    const t = makeApp({ ...upstreamEnv(fake), TICKBOX_JUDGE_MODELS: "judge-cheap,judge-strong" });
    const profile = (await t.post("/v1/calibrations", { name: "cascade", kind: "pointwise", judges: cascadeJudges() })).json;
    scriptByModel();
    const res = await t.post("/v1/confidence", { calibration_id: profile.id, ...grading });
    expect(res.status).toBe(200);
    expect(res.json.decided_by).toEqual({ stage: 1, judge: "judge-strong" });
    expect(res.json.usage.upstream_calls).toBe(2);

    // A stored evaluation by the strong judge is routed from the cheap one, as the guarantee
    // requires; both gradings are in the store, so nothing is paid for.
    const strongId = res.json.stages[1].evaluation_id;
    const fromStored = await t.post("/v1/confidence", { calibration_id: profile.id, evaluation_id: strongId });
    expect(fromStored.json.stages).toEqual(res.json.stages);
    expect(fromStored.json.decided_by).toEqual({ stage: 1, judge: "judge-strong" });
    expect(fromStored.json.usage.upstream_calls).toBe(0);

    // A confident cheap judge decides alone.
    scriptByModel(0.999);
    const sure = await t.post("/v1/confidence", { calibration_id: profile.id, ...grading, response: `${row.output}\n` });
    expect(profile.judges[0].threshold).not.toBeNull();
    expect(sure.json.decided_by).toEqual({ stage: 0, judge: "judge-cheap" });
    expect(sure.json.stages).toHaveLength(1);
  });
});

describe("pooled cascades", () => {
  it("decide at each later judge on the mean of every raw signal so far", async () => {
    const t = makeApp({ ...upstreamEnv(fake), TICKBOX_JUDGE_MODELS: "judge-cheap,judge-strong" });
    const profile = (await t.post("/v1/calibrations", { name: "pooled", kind: "pointwise", judges: cascadeJudges(), pooled: true })).json;
    expect(profile.pooled).toBe(true);
    scriptByModel(0.55, 0.97);
    const res = await t.post("/v1/confidence", { calibration_id: profile.id, ...grading });
    expect(res.status).toBe(200);
    expect(res.json.stages[0].p_raw).toBeCloseTo(0.55, 6);
    expect(res.json.stages[1].p_raw).toBeCloseTo((0.55 + 0.97) / 2, 6);

    // A stored grading by the second judge is routed from the first; its own grading is reused.
    const strongId = res.json.stages[1].evaluation_id;
    const calls = gradingCalls().length;
    const fromStored = await t.post("/v1/confidence", { calibration_id: profile.id, evaluation_id: strongId });
    expect(fromStored.json.stages).toEqual(res.json.stages);
    expect(gradingCalls()).toHaveLength(calls);
  });
});

describe("examples taken from stored evaluations", () => {
  it("use the soft score, or the weighted score without logprobs, and one profile takes one of them", async () => {
    const t = makeApp({ ...upstreamEnv(fake), TICKBOX_JUDGE_MODELS: "judge-cheap,judge-strong" });
    const ids: string[] = [];
    const expected: number[] = [];
    for (const [k, p] of [0.9, 0.3, 0.7].entries()) {
      fake.answer = () => ({ verdict: p >= 0.5 ? "YES" : "NO", p_yes: p });
      const ev = (await t.post("/v1/evaluations", { ...grading, response: `${row.output} (${k})` })).json;
      ids.push(ev.id);
      expected.push(ev.scores.soft);
    }
    fake.logprobs = "none";
    fake.answer = (_id, i) => ({ verdict: i === 0 ? "NO" : "YES" });
    const plain = (await t.post("/v1/evaluations", { ...grading, response: `${row.output} (plain)` })).json;
    expect(plain.signal).toBe("none");

    const examples = ids.map((evaluation_id, i) => ({ evaluation_id, label: i % 2 === 0 ? 1 : 0 }));
    const profile = await t.post("/v1/calibrations", { name: "from evaluations", kind: "pointwise", examples });
    expect(profile.status).toBe(200);
    expect(profile.json).toMatchObject({ n: 3, calibrated: false, signal: "soft" });
    const mean = expected.reduce((s, v) => s + v, 0) / expected.length;
    expect(profile.json.raw_metrics.accuracy.estimate).toBeCloseTo(expected.filter((p, i) => (p >= 0.5 ? 1 : 0) === examples[i]!.label).length / 3, 12);
    expect(profile.json.reliability.reduce((s: number, b: any) => s + (b.mean_confidence ?? 0) * b.count, 0) / 3).toBeCloseTo(mean, 12);
    for (const [i, id] of ids.entries()) {
      const d = await t.post("/v1/confidence", { calibration_id: profile.json.id, evaluation_id: id });
      expect(d.json.p_raw).toBeCloseTo(expected[i]!, 12);
    }

    // A weighted score among soft ones is refused where it is, and so is a soft one in a weighted profile.
    const mixed = [...examples, { evaluation_id: plain.id, label: 1 }];
    const refused = await t.post("/v1/calibrations", { name: "mixed", kind: "pointwise", examples: mixed });
    expect(refused.status).toBe(422);
    expect(refused.json.errors[0].path).toBe("/examples/3/evaluation_id");
    const declared = await t.post("/v1/calibrations", { name: "declared", kind: "pointwise", signal: "weighted", examples });
    expect(declared.json.errors[0].path).toBe("/examples/0/evaluation_id");
    const weighted = await t.post("/v1/calibrations", { name: "weighted", kind: "pointwise", examples: [{ evaluation_id: plain.id, label: 1 }] });
    expect(weighted.json.signal).toBe("weighted");
    const d = await t.post("/v1/confidence", { calibration_id: weighted.json.id, evaluation_id: plain.id });
    expect(d.json).toMatchObject({ p_raw: plain.scores.weighted, reason: "no_certified_threshold" });
  });
});

describe("profiles stored before they recorded their signal", () => {
  /** A pointwise profile as the earlier version stored it: no signal, no scale, thresholds on the calibrated confidence. */
  function legacyProfile(id: string, kind: "pointwise" | "pairwise") {
    const calibrator = { method: "platt", params: { a: 0.5, b: 0 }, calibrated: true, symmetric: kind === "pairwise", n_labels: 300 };
    const threshold = { lambda: 0.7, coverage: 0.4, alpha: 0.2, delta: 0.1, n_accepted: 120, errors: 10, upper_bound: 0.12 };
    const interval = { estimate: 0.1, lo: 0.05, hi: 0.15 };
    const metrics = {
      n: 300,
      resamples: 1000,
      level: 0.95,
      ece: interval,
      adaptive_ece: interval,
      brier: interval,
      log_loss: interval,
      auroc: interval,
      accuracy: interval,
    };
    const stage = {
      judge: "judge-test",
      method: "platt",
      calibrated: true,
      n: 300,
      raw_metrics: metrics,
      metrics,
      reliability: [],
      threshold,
      calibrator,
      n_reaching: 300,
      n_decided: 120,
    };
    const { judge: _j, ...rest } = stage;
    return {
      id,
      name: "legacy",
      kind,
      judge: "judge-test",
      ...rest,
      target: { alpha: 0.2, delta: 0.1 },
      pooled: false,
      judges: [stage],
      cascade: false,
      coverage: 0.4,
      agreement: 0.92,
    };
  }

  it("are applied as they were certified, to raw signals only: an evaluation's signal is unknown to them", async () => {
    const config = parseConfig({ TICKBOX_DB: ":memory:", ...upstreamEnv(fake) });
    const database = openSqlite(config.TICKBOX_DB);
    const app = createApp(buildServices(config, createSqlStores(database)));
    const t = clientOver((request) => app.request(request));
    const store = createCalibrationStore(database);
    for (const kind of ["pointwise", "pairwise"] as const) {
      const profile = legacyProfile(`cb_legacy_${kind}`, kind);
      await store.putCalibration({ id: profile.id, tenant: "default", name: profile.name, kind, profile });
    }
    const got = (await t.get("/v1/calibrations/cb_legacy_pointwise")).json;
    expect(got).toMatchObject({ signal: null, scale: "calibrated" });
    // σ(0.5·logit(0.95)) = 0.81 ≥ 0.7 on the calibrated confidence the threshold was certified on.
    const raw = (await t.post("/v1/confidence", { calibration_id: "cb_legacy_pointwise", p: 0.95 })).json;
    expect(raw).toMatchObject({ abstain: false, reason: "certified", verdict: "pass" });
    expect(raw.confidence).toBeCloseTo(1 / (1 + Math.exp(-0.5 * Math.log(0.95 / 0.05))), 12);
    // Raw confidence 0.7 would reach λ = 0.7; the calibrated one, σ(0.5·logit(0.7)) = 0.60, does not.
    const pairwise = (await t.post("/v1/confidence", { calibration_id: "cb_legacy_pairwise", p_a: 0.7 })).json;
    expect(pairwise).toMatchObject({ abstain: true, reason: "below_threshold" });

    fake.answer = () => ({ verdict: "YES", p_yes: 0.99 });
    const ev = await t.post("/v1/evaluations", { ...grading, response: "legacy", calibration_id: "cb_legacy_pointwise" });
    expect(ev.status).toBe(200);
    expect(ev.json.confidence).toMatchObject({ abstain: true, reason: "signal_mismatch", p_calibrated: null, guarantee: null });
  });
});
