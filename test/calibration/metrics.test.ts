import { describe, expect, it } from "vitest";
import {
  accuracyAt,
  adaptiveCalibrationError,
  assignFolds,
  auroc,
  brierScore,
  computeMetrics,
  crossValidatedMetrics,
  expectedCalibrationError,
  logLoss,
  logit,
  metricsWithIntervals,
  mulberry32,
  percentileBootstrap,
  permutation,
  topLabelCalibrationError,
  reliabilityBins,
  sigmoid,
} from "../../src/calibration/index";
import { syntheticJudge } from "./helpers";

describe("point metrics", () => {
  it("Brier, log loss and accuracy by hand", () => {
    const p = [0.8, 0.3, 0.6];
    const y = [1, 0, 0];
    expect(brierScore(p, y)).toBeCloseTo((0.04 + 0.09 + 0.36) / 3, 12);
    expect(logLoss(p, y)).toBeCloseTo(-(Math.log(0.8) + Math.log(0.7) + Math.log(0.4)) / 3, 12);
    expect(accuracyAt(p, y)).toBeCloseTo(2 / 3, 12);
    // A confident miss is clipped, not infinite.
    expect(logLoss([0], [1])).toBeCloseTo(-Math.log(1e-6), 6);
  });

  it("ECE and reliability bins by hand", () => {
    const p = [0.05, 0.15, 0.15, 0.95, 1];
    const y = [0, 1, 0, 1, 1];
    const bins = reliabilityBins(p, y);
    expect(bins).toHaveLength(10);
    expect(bins[1]).toEqual({ lo: 0.1, hi: 0.2, count: 2, mean_confidence: 0.15, accuracy: 0.5 });
    expect(bins[9]).toMatchObject({ count: 2, mean_confidence: 0.975, accuracy: 1 });
    expect(bins[5]).toMatchObject({ count: 0, mean_confidence: null, accuracy: null });
    // |0.05−0|·1 + |0.15−0.5|·2 + |0.975−1|·2, over 5
    expect(expectedCalibrationError(p, y)).toBeCloseTo((0.05 + 0.7 + 0.05) / 5, 12);
  });

  it("adaptive ECE uses equal-mass bins", () => {
    const p = [0.1, 0.2, 0.3, 0.4];
    const y = [0, 1, 1, 0];
    // Two bins of two items: |0.15 − ½| and |0.35 − ½|, each with weight ½ …
    expect(adaptiveCalibrationError(p, y, 2)).toBeCloseTo(0.25, 12);
    // … whereas ten equal-width bins hold one item each: (0.1 + 0.8 + 0.7 + 0.4) / 4.
    expect(expectedCalibrationError(p, y)).toBeCloseTo(0.5, 12);
  });

  it("adaptive ECE does not depend on the order of the input when probabilities tie", () => {
    const rng = mulberry32(21);
    // Ties straddle every bin boundary: 5 distinct values, 97 items.
    const p = Array.from({ length: 97 }, () => [0.1, 0.3, 0.5, 0.7, 0.9][Math.floor(rng() * 5)]!);
    const y = p.map((q) => (rng() < q ? 1 : 0));
    const base = adaptiveCalibrationError(p, y);
    for (let k = 0; k < 20; k++) {
      const order = permutation(mulberry32(k), p.length);
      expect(
        adaptiveCalibrationError(
          order.map((i) => p[i]!),
          order.map((i) => y[i]!),
        ),
      ).toBeCloseTo(base, 12);
      expect(
        metricsWithIntervals(
          order.map((i) => p[i]!),
          order.map((i) => y[i]!),
          { resamples: 50 },
        ).adaptive_ece.estimate,
      ).toBeCloseTo(base, 12);
    }
    // A run of ties split by a boundary carries its mean label into both bins: here one run of 4.
    expect(adaptiveCalibrationError([0.5, 0.5, 0.5, 0.5], [1, 1, 0, 0], 2)).toBe(0);
  });

  it("top-label ECE is the ECE of the pick's confidence against agreement", () => {
    const p = [0.9, 0.2, 0.6, 0.45];
    const y = [1, 1, 0, 0];
    // Confidences 0.9, 0.8, 0.6, 0.55; picks right, wrong, wrong, right.
    expect(topLabelCalibrationError(p, y)).toBeCloseTo(expectedCalibrationError([0.9, 0.8, 0.6, 0.55], [1, 0, 0, 1]), 12);
    expect(computeMetrics(p, y).top_label_ece).toBeCloseTo(topLabelCalibrationError(p, y), 12);
  });

  it("ECE is small for a calibrated judge and large for an overconfident one", () => {
    const calibrated = syntheticJudge(20000, 11, (q) => q);
    const overconfident = syntheticJudge(20000, 12, (q) => sigmoid(logit(q) / 3));
    expect(expectedCalibrationError(calibrated.p, calibrated.y)).toBeLessThan(0.015);
    expect(adaptiveCalibrationError(calibrated.p, calibrated.y)).toBeLessThan(0.015);
    expect(expectedCalibrationError(overconfident.p, overconfident.y)).toBeGreaterThan(0.1);
    expect(adaptiveCalibrationError(overconfident.p, overconfident.y)).toBeGreaterThan(0.1);
  });

  it("AUROC equals a brute-force pair count, ties counting one half", () => {
    const rng = mulberry32(13);
    for (let trial = 0; trial < 20; trial++) {
      const n = 5 + Math.floor(rng() * 60);
      const p = Array.from({ length: n }, () => Math.round(rng() * 10) / 10);
      const y = p.map((q) => (rng() < q ? 1 : 0));
      let wins = 0;
      let pairs = 0;
      p.forEach((pi, i) => {
        p.forEach((pj, j) => {
          if (y[i] === 1 && y[j] === 0) {
            pairs++;
            wins += pi > pj ? 1 : pi === pj ? 0.5 : 0;
          }
        });
      });
      const got = auroc(p, y);
      if (pairs === 0) expect(got).toBeNull();
      else expect(got).toBeCloseTo(wins / pairs, 12);
    }
    expect(auroc([0.1, 0.2], [1, 1])).toBeNull();
  });
});

describe("bootstrap intervals", () => {
  const { p, y } = syntheticJudge(400, 14, (q) => q);

  it("is deterministic for a seed and brackets the estimate", () => {
    const a = metricsWithIntervals(p, y, { seed: 1, resamples: 300 });
    const b = metricsWithIntervals(p, y, { seed: 1, resamples: 300 });
    const c = metricsWithIntervals(p, y, { seed: 2, resamples: 300 });
    expect(a).toEqual(b);
    expect(a.brier.lo).not.toBe(c.brier.lo);
    for (const m of [a.brier, a.log_loss, a.accuracy, a.auroc!, a.ece, a.adaptive_ece, a.top_label_ece]) {
      expect(m.lo).toBeLessThan(m.estimate);
      expect(m.hi).toBeGreaterThan(m.estimate);
    }
    expect(a.n).toBe(400);
    expect(a.level).toBe(0.95);
  });

  it("intervals of the calibration errors cover the truth in simulation, a calibrated judge's 0 included", () => {
    // Judges with a known truth: p = σ(2.5·z), people say yes with probability g(p). The truth of
    // each binned error is computed from g on 200,000 draws; 120 samples per world are bootstrapped.
    const worlds = { calibrated: (q: number) => q, overconfident: (q: number) => sigmoid(logit(q) / 2), slight: (q: number) => sigmoid(logit(q) / 1.3) };
    const normal = (rng: () => number) => Math.sqrt(-2 * Math.log(Math.max(rng(), 1e-300))) * Math.cos(2 * Math.PI * rng());
    for (const [name, g] of Object.entries(worlds)) {
      const rng = mulberry32(name.length * 97);
      const big = Array.from({ length: 200_000 }, () => sigmoid(2.5 * normal(rng)));
      const truth = {
        ece: binnedGap(
          big.map((q) => Math.min(9, Math.floor(q * 10))),
          big.map((q) => q - g(q)),
        ),
        top_label_ece: binnedGap(
          big.map((q) => Math.min(9, Math.floor(Math.max(q, 1 - q) * 10))),
          big.map((q) => Math.max(q, 1 - q) - (q >= 0.5 ? g(q) : 1 - g(q))),
        ),
      };
      const covered = { ece: 0, top_label_ece: 0 };
      let debiased = 0;
      let estimate = 0;
      const runs = 120;
      for (let r = 0; r < runs; r++) {
        const p = Array.from({ length: 100 }, () => sigmoid(2.5 * normal(rng)));
        const y = p.map((q) => (rng() < g(q) ? 1 : 0));
        const m = metricsWithIntervals(p, y, { resamples: 300, seed: r });
        for (const k of ["ece", "top_label_ece"] as const) if (m[k].lo <= truth[k] && truth[k] <= m[k].hi) covered[k]++;
        debiased += m.ece.debiased / runs;
        estimate += m.ece.estimate / runs;
      }
      expect(covered.ece / runs, `${name} ECE ${truth.ece.toFixed(3)}`).toBeGreaterThanOrEqual(0.88);
      expect(covered.top_label_ece / runs, `${name} top-label ECE ${truth.top_label_ece.toFixed(3)}`).toBeGreaterThanOrEqual(0.88);
      // The bias-corrected value is nearer the truth than the estimate.
      expect(Math.abs(debiased - truth.ece)).toBeLessThan(Math.abs(estimate - truth.ece));
    }
  }, 60_000);

  it("matches the normal-theory interval for a mean", () => {
    const rng = mulberry32(15);
    const x = Array.from({ length: 2000 }, () => rng());
    const mean = x.reduce((s, v) => s + v, 0) / x.length;
    const sd = Math.sqrt(x.reduce((s, v) => s + (v - mean) ** 2, 0) / (x.length - 1));
    const ci = percentileBootstrap(x.length, (idx) => idx.reduce((s, i) => s + x[i]!, 0) / idx.length, { seed: 3, resamples: 2000 });
    const half = (1.96 * sd) / Math.sqrt(x.length);
    expect(ci!.lo).toBeCloseTo(mean - half, 2);
    expect(ci!.hi).toBeCloseTo(mean + half, 2);
  });
});

/** Σ_b |Σ_{i in b} d_i| / n: a binned calibration error from per-item gaps d. */
function binnedGap(bins: number[], d: number[]): number {
  const sums = new Array<number>(10).fill(0);
  bins.forEach((b, i) => {
    sums[b]! += d[i]!;
  });
  return sums.reduce((s, v) => s + Math.abs(v), 0) / d.length;
}

describe("cross-validated metrics", () => {
  const { p, y } = syntheticJudge(300, 16, (q) => sigmoid(logit(q) / 2));

  it("assigns stratified, disjoint, covering folds", () => {
    const folds = assignFolds(y, 5, 7);
    expect(folds).toHaveLength(300);
    for (let f = 0; f < 5; f++) {
      const members = folds.flatMap((g, i) => (g === f ? [i] : []));
      expect(members.length).toBe(60);
      const pos = members.filter((i) => y[i] === 1).length;
      const share = y.filter((v) => v === 1).length / 300;
      expect(Math.abs(pos / 60 - share)).toBeLessThan(2 / 60);
    }
    expect(assignFolds(y, 5, 7)).toEqual(folds);
  });

  it("never scores a fold with a model that saw its labels", () => {
    const foldOf = assignFolds(y, 5, 1);
    const base = crossValidatedMetrics(p, y, "platt", { foldOf, folds: 5 });
    // Flip every label of fold 0: its predictions must not move; the other folds' must.
    const flipped = y.map((v, i) => (foldOf[i] === 0 ? 1 - v : v));
    const other = crossValidatedMetrics(p, flipped, "platt", { foldOf, folds: 5 });
    foldOf.forEach((f, i) => {
      if (f === 0) expect(other.predictions[i]).toBe(base.predictions[i]);
    });
    const moved = foldOf.filter((f, i) => f !== 0 && other.predictions[i] !== base.predictions[i]).length;
    expect(moved).toBe(foldOf.filter((f) => f !== 0).length);
  });

  it("improves calibration out of sample and resolves auto on the full count", () => {
    const cv = crossValidatedMetrics(p, y, "auto", { seed: 3 });
    expect(cv.method).toBe("beta");
    expect(cv.metrics.ece).toBeLessThan(cv.raw_metrics.ece);
    expect(cv.raw_metrics).toEqual(computeMetrics(p, y));
    const few = crossValidatedMetrics(p.slice(0, 40), y.slice(0, 40), "auto");
    expect(few.method).toBe("identity");
    expect(few.predictions).toEqual(p.slice(0, 40));
  });
});
