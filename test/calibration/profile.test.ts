import { describe, expect, it } from "vitest";
import { applyCalibrator, buildProfile, clopperPearsonUpper, decideConfidence, minLabelsFor, pooledSignal, type Label } from "../../src/calibration/index";
import { syntheticJudge } from "./helpers";

describe("calibration profiles", () => {
  it("asks explicit methods for enough labels to fit them on what they are fitted on", () => {
    // Pairwise maps are fitted on every label and measured by 5-fold cross-validation.
    expect(minLabelsFor("pairwise", "platt")).toBe(50);
    expect(minLabelsFor("pairwise", "beta")).toBe(63);
    expect(minLabelsFor("pairwise", "isotonic")).toBe(250);
    // Pointwise maps are fitted on a fifth of the labels; the rest certify.
    expect(minLabelsFor("pointwise", "platt")).toBe(98);
    expect(minLabelsFor("pointwise", "beta")).toBe(248);
    expect(minLabelsFor("pointwise", "isotonic")).toBe(998);
    expect(() => buildProfile("pointwise", [{ judge: null, ...judge(247) }], { method: "beta", target: { alpha: 0.2, delta: 0.1 } })).toThrow(/at least 248/);
  });

  it("serves the raw signal under 50 labels", () => {
    const profile = buildProfile("pointwise", [{ judge: null, ...judge(49) }], { method: "auto", target: { alpha: 0.2, delta: 0.1 } });
    const stage = profile.stages[0]!;
    expect(stage).toMatchObject({ method: "identity", calibrated: false });
    expect(applyCalibrator(stage.model, 0.37)).toBe(0.37);
  });

  it("fits a pointwise map on a fifth of the labels and certifies it on the rest, which passes its own test", () => {
    const data = judge(1000);
    const profile = buildProfile("pointwise", [{ judge: null, ...data }], { method: "auto", target: { alpha: 0.2, delta: 0.1 } });
    expect([profile.fitted_on, profile.certified_on]).toEqual([200, 800]);
    const stage = profile.stages[0]!;
    expect(stage.model.n_labels).toBe(200);
    const t = stage.threshold!;
    expect(t).toMatchObject({ scale: "calibrated", n_items: 800 });
    // Which 800 items certified is not reported; the map applied to all 1,000 must contain them.
    const q = data.p.map((v) => applyCalibrator(stage.model, v));
    const accepted = q.flatMap((v, i) => (Math.max(v, 1 - v) >= t.lambda ? [i] : []));
    expect(accepted.length).toBeGreaterThanOrEqual(t.n_accepted);
    expect(clopperPearsonUpper(t.errors, t.n_accepted, 0.1)).toBeLessThanOrEqual(0.2);
    expect(stage.metrics.n).toBe(800);
  });

  it("certifies a pairwise rule on the raw signal with every label", () => {
    const data = judge(400);
    const profile = buildProfile("pairwise", [{ judge: null, ...data }], { method: "auto", target: { alpha: 0.2, delta: 0.1 } });
    expect([profile.fitted_on, profile.certified_on]).toEqual([400, 400]);
    const t = profile.stages[0]!.threshold!;
    const accepted = data.p.flatMap((v, i) => (Math.max(v, 1 - v) >= t.lambda ? [i] : []));
    const errors = accepted.filter((i) => (data.p[i]! >= 0.5 ? 1 : 0) !== data.y[i]).length;
    expect([accepted.length, errors]).toEqual([t.n_accepted, t.errors]);
    expect(t.scale).toBe("raw");
  });

  it("decides: answers at or above λ with the guarantee, abstains below or without a threshold", () => {
    const model = { method: "identity", params: {}, calibrated: false, reason: "too_few_labels", n_labels: 0, symmetric: false } as const;
    const threshold = { lambda: 0.8, alpha: 0.2, delta: 0.1 };
    const scale = "calibrated" as const;
    expect(decideConfidence("pointwise", { model, threshold, scale }, 0.15)).toMatchObject({
      verdict: "fail",
      confidence: 0.85,
      abstain: false,
      reason: "certified",
    });
    expect(decideConfidence("pairwise", { model, threshold, scale }, 0.7)).toMatchObject({
      verdict: "a",
      abstain: true,
      reason: "below_threshold",
      guarantee: null,
    });
    expect(decideConfidence("pairwise", { model, threshold: null, scale }, 0.99)).toMatchObject({
      abstain: true,
      reason: "no_certified_threshold",
      threshold: null,
    });
    // On the raw scale a map changes the reported probability, never the decision.
    const sharp = { method: "temperature", params: { temperature: 3 }, calibrated: true, n_labels: 100, symmetric: true } as const;
    const raw = decideConfidence("pairwise", { model: sharp, threshold, scale: "raw" }, 0.85);
    expect(raw).toMatchObject({ confidence: 0.85, abstain: false, verdict: "a" });
    expect(raw.p_calibrated).toBeLessThan(0.7);
  });

  it("pools by the plain mean", () => {
    expect(pooledSignal([0.2, 0.6, 0.7])).toBeCloseTo(0.5, 12);
  });
});

function judge(n: number): { p: number[]; y: Label[] } {
  const { p, y } = syntheticJudge(n, 3, (q) => 0.5 + (q - 0.5) * 0.95);
  return { p, y: y as Label[] };
}
