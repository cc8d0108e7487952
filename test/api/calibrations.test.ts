import { describe, expect, it } from "vitest";
import {
  clopperPearsonUpperByBisection,
  independentMetrics,
  pointwiseExamples,
  TOE_JUDGES,
  onTrustOrEscalate,
  pairwiseExamples,
  syntheticTrustOrEscalate,
  trustOrEscalateExamples,
  trustOrEscalatePresent,
} from "../support/calibration-data";
import { makeApp } from "../support/harness";

type App = ReturnType<typeof makeApp>;

async function calibratedAll(t: App, id: string, signals: { p?: number; p_a?: number }[]) {
  const out = [];
  for (const s of signals) {
    const res = await t.post("/v1/confidence", { calibration_id: id, ...s });
    expect(res.status).toBe(200);
    out.push(res.json);
  }
  return out;
}

describe("POST /v1/calibrations — pointwise", () => {
  const examples = pointwiseExamples(300, 11);

  it("fits, reports raw metrics that an independent computation reproduces, and stores the profile", async () => {
    const t = makeApp();
    const res = await t.post("/v1/calibrations", { name: "synthetic", kind: "pointwise", examples });
    expect(res.status).toBe(200);
    const body = res.json;
    expect(body.id).toMatch(/^cb_[0-9a-f]{32}$/);
    // A fifth of the labels fits the map (Platt from 50 of them), the rest certify.
    expect(body).toMatchObject({
      kind: "pointwise",
      method: "platt",
      calibrated: true,
      n: 300,
      cascade: false,
      signal: "soft",
      fitted_on: 60,
      certified_on: 240,
    });
    const mine = independentMetrics(
      examples.map((e) => e.p),
      examples.map((e) => e.label),
    );
    expect(body.raw_metrics.ece.estimate).toBeCloseTo(mine.ece, 10);
    expect(body.raw_metrics.brier.estimate).toBeCloseTo(mine.brier, 10);
    expect(body.raw_metrics.auroc.estimate).toBeCloseTo(mine.auroc, 10);
    for (const m of [body.raw_metrics, body.metrics]) {
      expect(m.ece.lo).toBeLessThanOrEqual(m.ece.estimate + 1e-12);
      expect(m.ece.hi).toBeGreaterThanOrEqual(m.ece.estimate - 1e-12);
    }
    // The reliability bins describe every example the map was not fitted on, once.
    expect(body.reliability).toHaveLength(10);
    expect(body.reliability.reduce((s: number, b: any) => s + b.count, 0)).toBe(240);
    expect(body.metrics.n).toBe(240);

    const again = await t.post("/v1/calibrations", { name: "synthetic", kind: "pointwise", examples });
    expect(again.json.id).toBe(body.id);
    const got = await t.get(`/v1/calibrations/${body.id}`);
    expect(got.status).toBe(200);
    expect(got.json).toEqual(body);
  });

  it("measures the fitted map on held-out predictions, not on the labels it was fitted on", async () => {
    const t = makeApp();
    const body = (await t.post("/v1/calibrations", { name: "cv", kind: "pointwise", examples })).json;
    const decisions = await calibratedAll(
      t,
      body.id,
      examples.map((e) => ({ p: e.p })),
    );
    const inSample = independentMetrics(
      decisions.map((d) => d.p_calibrated),
      examples.map((e) => e.label),
    );
    // In-sample Brier of a fitted map is optimistic; the reported one must not be that figure.
    expect(body.metrics.brier.estimate).not.toBeCloseTo(inSample.brier, 6);
    expect(body.metrics.brier.estimate).toBeGreaterThan(inSample.brier);
  });

  it("returns a threshold that passes its own Clopper–Pearson test, on labels its map was not fitted on", async () => {
    const t = makeApp();
    const target = { alpha: 0.2, delta: 0.1 };
    const many = pointwiseExamples(600, 12);
    const body = (await t.post("/v1/calibrations", { name: "honest", kind: "pointwise", examples: many, target })).json;
    const th = body.threshold;
    expect(th).not.toBeNull();
    expect(body).toMatchObject({ fitted_on: 120, certified_on: 480 });
    expect(th).toMatchObject({ scale: "calibrated", n_items: 480 });
    expect(th.n_accepted).toBeGreaterThanOrEqual(Math.max(30, 48));
    expect(th.coverage).toBeCloseTo(th.n_accepted / 480, 12);
    expect(clopperPearsonUpperByBisection(th.errors, th.n_accepted, target.delta)).toBeLessThanOrEqual(target.alpha);
    const decisions = await calibratedAll(
      t,
      body.id,
      many.map((e) => ({ p: e.p })),
    );
    // Of all 600 items, the answered ones are the certified part's plus some of the 120 fitting ones.
    const accepted = decisions.filter((d) => !d.abstain).length;
    expect(accepted).toBeGreaterThanOrEqual(th.n_accepted);
    expect(accepted).toBeLessThanOrEqual(th.n_accepted + 120);
    // Each answer above the threshold carries the guarantee; each below abstains without it.
    for (const d of decisions) {
      expect(d.confidence).toBeCloseTo(Math.max(d.p_calibrated, 1 - d.p_calibrated), 12);
      expect(d.abstain).toBe(d.confidence < th.lambda);
      expect(d.reason).toBe(d.abstain ? "below_threshold" : "certified");
      expect(d.guarantee).toEqual(d.abstain ? null : { agreement_at_least: 0.8, probability: 0.9, alpha: 0.2, delta: 0.1 });
      expect(d.decided_by).toEqual(d.abstain ? null : { stage: 0, judge: null });
    }
  });

  it("gives threshold null for a target the data cannot support, and then always abstains", async () => {
    const t = makeApp();
    const body = (await t.post("/v1/calibrations", { name: "strict", kind: "pointwise", examples, target: { alpha: 0.01, delta: 0.05 } })).json;
    expect(body.threshold).toBeNull();
    const [d] = await calibratedAll(t, body.id, [{ p: 0.999 }]);
    expect(d).toMatchObject({ abstain: true, reason: "no_certified_threshold", threshold: null, guarantee: null });
  });

  it("serves the raw signal, uncalibrated, under 50 labels", async () => {
    const t = makeApp();
    const body = (await t.post("/v1/calibrations", { name: "few", kind: "pointwise", examples: examples.slice(0, 40) })).json;
    expect(body).toMatchObject({ method: "identity", calibrated: false, n: 40 });
    expect(body.metrics).toEqual(body.raw_metrics);
    const [d] = await calibratedAll(t, body.id, [{ p: 0.73 }]);
    expect(d.p_calibrated).toBe(0.73);
    expect(d.calibrated).toBe(false);
  });

  it("draws a reliability diagram as SVG", async () => {
    const t = makeApp();
    const body = (await t.post("/v1/calibrations", { name: "diagram <1>", kind: "pointwise", examples })).json;
    const res = await t.get(`/v1/calibrations/${body.id}/reliability.svg`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("image/svg+xml");
    expect(res.text.startsWith("<svg")).toBe(true);
    // The raw signal beside the held-out calibrated predictions: ten bins each.
    expect(res.text.match(/class="bar"/g)).toHaveLength(20);
    expect(res.text).toContain("diagram &lt;1&gt;");
    expect(res.text).toContain('class="diagonal"');
  });
});

// On the real judges' data when ../shared is there, and on synthetic judges of the same shape always.
const pairwiseSources = [
  {
    title: onTrustOrEscalate("POST /v1/calibrations — pairwise, on the Trust-or-Escalate data"),
    present: trustOrEscalatePresent,
    examples: () => Object.fromEntries(TOE_JUDGES.map((j) => [j, trustOrEscalateExamples(j)])),
  },
  {
    title: "POST /v1/calibrations — pairwise, on synthetic judges of the same shape",
    present: true,
    examples: () => {
      const rows = syntheticTrustOrEscalate();
      return Object.fromEntries(TOE_JUDGES.map((j) => [j, pairwiseExamples(rows[j])]));
    },
  },
];

for (const source of pairwiseSources) {
  describe.skipIf(!source.present)(source.title, () => {
    const data = source.present ? source.examples() : {};

    it("fits a symmetric map for GPT-4 whose held-out ECE beats the raw probabilities", async () => {
      const t = makeApp();
      const res = await t.post("/v1/calibrations", { name: "gpt-4", kind: "pairwise", judge: "gpt-4-turbo", examples: data["gpt-4-turbo"] });
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ method: "beta", calibrated: true, n: 500, judge: "gpt-4-turbo" });
      expect(res.json.calibrator.symmetric).toBe(true);
      expect(res.json.metrics.ece.estimate).toBeLessThan(res.json.raw_metrics.ece.estimate);
      expect(res.json.threshold).not.toBeNull();
      const [d] = await calibratedAll(t, res.json.id, [{ p_a: 0.02 }]);
      expect(d.verdict).toBe("b");
    });

    it("certifies a three-judge cascade as a whole, and routes every signal from the first judge", async () => {
      const t = makeApp();
      const judges = TOE_JUDGES.map((model) => ({ model, examples: data[model] }));
      const res = await t.post("/v1/calibrations", { name: "cascade", kind: "pairwise", judges, target: { alpha: 0.2, delta: 0.1 } });
      expect(res.status).toBe(200);
      const body = res.json;
      expect(body).toMatchObject({ cascade: true, signal: "p_a", scale: "raw", fitted_on: 500, certified_on: 500 });
      expect(body.judges.map((j: any) => j.judge)).toEqual([...TOE_JUDGES]);
      // One threshold, certified on every item routed from the first judge, with one δ.
      const th = body.threshold;
      for (const j of body.judges) expect(j.threshold).toEqual(th);
      expect(th.n_items).toBe(500);
      expect(clopperPearsonUpperByBisection(th.errors, th.n_accepted, 0.1)).toBeLessThanOrEqual(0.2);
      // Recounted from the examples: each item goes to the first judge whose raw confidence reaches λ.
      const byJudge = TOE_JUDGES.map(() => ({ reaching: 0, decided: 0, errors: 0 }));
      for (let i = 0; i < 500; i++) {
        for (const [k, judge] of TOE_JUDGES.entries()) {
          byJudge[k]!.reaching++;
          const e = data[judge]![i]!;
          if (Math.max(e.p_a, 1 - e.p_a) < th.lambda) continue;
          byJudge[k]!.decided++;
          if ((e.p_a >= 0.5 ? "a" : "b") !== e.label) byJudge[k]!.errors++;
          break;
        }
      }
      const sum = (pick: (j: (typeof byJudge)[number]) => number) => byJudge.reduce((s, j) => s + pick(j), 0);
      expect([th.n_accepted, th.errors]).toEqual([sum((j) => j.decided), sum((j) => j.errors)]);
      // Each judge's own share, as the items route.
      expect(body.judges.map((j: any) => ({ reaching: j.n_reaching, decided: j.n_decided, errors: j.n_errors }))).toEqual(byJudge);
      expect(byJudge[1]!.decided).toBeGreaterThan(0);
      expect(body.coverage).toBeGreaterThan(0.7);

      // A raw signal the first judge abstains on cannot be graded here: the answer names the next judge.
      const res2 = await t.post("/v1/confidence", { calibration_id: body.id, p_a: 0.5 });
      expect(res2.json).toMatchObject({ abstain: true, reason: "below_threshold", decided_by: null, escalate_to: { stage: 1, judge: "gpt-3.5-turbo" } });
      // The next judge's signal comes after the first one's, which decides first if it can.
      const alone = await t.post("/v1/confidence", { calibration_id: body.id, p_a: 0.999, stage: 1 });
      expect(alone.status).toBe(422);
      expect(alone.json.errors[0].path).toBe("/previous");
      const mid = await t.post("/v1/confidence", { calibration_id: body.id, p_a: 0.999, stage: 1, previous: [0.5] });
      expect(mid.json).toMatchObject({
        abstain: false,
        decided_by: { stage: 1, judge: "gpt-3.5-turbo" },
        escalate_to: null,
        verdict: "a",
        threshold: th.lambda,
      });
      expect(mid.json.stages.map((s: any) => s.stage)).toEqual([0, 1]);
      const first = await t.post("/v1/confidence", { calibration_id: body.id, p_a: 0.999, stage: 1, previous: [0.001] });
      expect(first.json).toMatchObject({ abstain: false, decided_by: { stage: 0, judge: "mistral-7b-instruct" }, verdict: "b" });
    });

    it("pools earlier judges' probabilities in a pooled cascade, and needs them at query time", async () => {
      const t = makeApp();
      const judges = TOE_JUDGES.map((model) => ({ model, examples: data[model] }));
      const body = (await t.post("/v1/calibrations", { name: "pooled", kind: "pairwise", judges, pooled: true })).json;
      expect(body).toMatchObject({ pooled: true, cascade: true });
      const th = body.threshold;
      expect(clopperPearsonUpperByBisection(th.errors, th.n_accepted, 0.1)).toBeLessThanOrEqual(0.2);
      const stage2 = body.judges[2];
      expect(stage2.n_reaching).toBe(body.judges[1].n_reaching - body.judges[1].n_decided);
      const alone = await t.post("/v1/confidence", { calibration_id: body.id, p_a: 0.9, stage: 1 });
      expect(alone.status).toBe(422);
      expect(alone.json.errors[0].path).toBe("/previous");
      const pooled = await t.post("/v1/confidence", { calibration_id: body.id, p_a: 0.9, stage: 1, previous: [0.6] });
      expect(pooled.status).toBe(200);
      expect(pooled.json.p_raw).toBeCloseTo(0.75, 12);
    });
  });
}
