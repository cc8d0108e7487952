import { describe, expect, it } from "vitest";
import { clopperPearsonUpperByBisection, pointwiseExamples, seeded } from "../support/calibration-data";
import { makeApp } from "../support/harness";

/** Ten equal-width bins of (p, y), written out independently of the service. */
function bins(p: number[], y: number[]) {
  const out = Array.from({ length: 10 }, (_, b) => ({ lo: b / 10, count: 0, sumP: 0, sumY: 0 }));
  p.forEach((v, i) => {
    const b = out[Math.min(9, Math.floor(v * 10))]!;
    b.count++;
    b.sumP += v;
    b.sumY += y[i]!;
  });
  return out.map((b) => ({ count: b.count, mean: b.count ? b.sumP / b.count : null, freq: b.count ? b.sumY / b.count : null }));
}

describe("what a profile keeps for people to see its fit", () => {
  const examples = pointwiseExamples(300, 17);

  it("keeps the raw signal's reliability bins, as an independent binning finds them", async () => {
    const t = makeApp();
    const body = (await t.post("/v1/calibrations", { name: "raw bins", kind: "pointwise", examples })).json;
    const stage = body.judges[0];
    const truth = bins(
      examples.map((e) => e.p),
      examples.map((e) => e.label),
    );
    expect(stage.raw_reliability.map((b: any) => b.count)).toEqual(truth.map((b) => b.count));
    stage.raw_reliability.forEach((b: any, k: number) => {
      if (truth[k]!.count === 0) {
        expect(b.accuracy).toBeNull();
        return;
      }
      expect(b.mean_confidence).toBeCloseTo(truth[k]!.mean!, 12);
      expect(b.accuracy).toBeCloseTo(truth[k]!.freq!, 12);
    });
    // The calibrated bins are of other (held-out) predictions, so they differ.
    expect(stage.reliability).not.toEqual(stage.raw_reliability);
  });

  it("draws coverage and agreement against λ through the certified point, with the bound certification tested", async () => {
    const t = makeApp();
    const body = (await t.post("/v1/calibrations", { name: "curve", kind: "pointwise", examples })).json;
    const stage = body.judges[0];
    expect(stage.threshold).not.toBeNull();
    const curve = stage.coverage_curve as any[];
    // From ½ (everything answered) upward, coverage never rises.
    expect(curve[0].lambda).toBe(0.5);
    expect(curve[0].coverage).toBe(1);
    for (let i = 1; i < curve.length; i++) expect(curve[i].coverage).toBeLessThanOrEqual(curve[i - 1].coverage);
    const at = curve.find((p) => p.lambda === stage.threshold.lambda);
    expect(at).toMatchObject({ coverage: stage.threshold.coverage, n_accepted: stage.threshold.n_accepted });
    expect(at.agreement).toBeCloseTo(1 - stage.threshold.errors / stage.threshold.n_accepted, 12);
    // The lower bound is the Clopper–Pearson bound an independent bisection gives.
    const errors = Math.round((1 - at.agreement) * at.n_accepted);
    expect(at.agreement_lower).toBeCloseTo(1 - clopperPearsonUpperByBisection(errors, at.n_accepted, body.target.delta), 6);
    expect(at.agreement_lower).toBeGreaterThanOrEqual(1 - body.target.alpha - 1e-12);
  });

  it("follows a cascade's routing: a later judge's curve covers only the items the earlier ones left", async () => {
    const rng = seeded(9);
    const labels = Array.from({ length: 400 }, () => (rng() < 0.5 ? 1 : 0));
    const judge = (sharp: number) =>
      labels.map((y) => {
        const p = 0.5 + (y ? 1 : -1) * sharp * rng() * (rng() < 0.85 ? 1 : -1);
        return { p_a: Math.min(0.99, Math.max(0.01, p)), label: (y ? "a" : "b") as "a" | "b" };
      });
    const t = makeApp();
    const res = await t.post("/v1/calibrations", {
      name: "cascade curve",
      kind: "pairwise",
      judges: [
        { model: "small", examples: judge(0.45) },
        { model: "large", examples: judge(0.49) },
      ],
    });
    expect(res.status).toBe(200);
    const [first, second] = res.json.judges;
    expect(first.coverage_curve[0].n_accepted).toBe(400);
    expect(second.coverage_curve[0].n_accepted).toBe(second.n_reaching);
    expect(second.n_reaching).toBe(400 - first.n_decided);
  });
});
