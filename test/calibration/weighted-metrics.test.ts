import { describe, expect, it } from "vitest";
import { computeMetrics, mulberry32, resampleIndices } from "../../src/calibration/index";
import { sortSample, weightedMetrics } from "../../src/calibration/weighted-metrics";
import { syntheticJudge } from "./helpers";

/** Scores resample `idx` both ways: materialised and sorted afresh, and as multiplicities. */
function bothWays(p: number[], y: number[], seed: number) {
  const idx = resampleIndices(mulberry32(seed), p.length);
  const direct = computeMetrics(
    Array.from(idx, (i) => p[i]!),
    Array.from(idx, (i) => y[i]!),
  );
  const sorted = sortSample(p, y);
  const w = new Uint32Array(p.length);
  for (const i of idx) w[sorted.rank[i]!]! += 1;
  return { direct, weighted: weightedMetrics(sorted, w, p.length) };
}

describe("bootstrap metrics from multiplicities", () => {
  it("equal the metrics of the materialised resample", () => {
    const { p, y } = syntheticJudge(437, 9, (q) => q * 0.9 + 0.05);
    for (const seed of [1, 2, 3]) {
      const { direct, weighted } = bothWays(p, y, seed);
      for (const k of ["ece", "adaptive_ece", "brier", "log_loss", "auroc", "accuracy"] as const) {
        expect(weighted[k]).toBeCloseTo(direct[k]!, 12);
      }
    }
  });

  it("count tied probabilities at their mid-rank for AUROC", () => {
    const p = [0.2, 0.2, 0.5, 0.5, 0.5, 0.9, 0.9, 0.1];
    const y = [0, 1, 1, 0, 1, 1, 0, 0];
    const { direct, weighted } = bothWays(p, y, 4);
    expect(weighted.auroc).toBeCloseTo(direct.auroc!, 12);
    expect(weighted.ece).toBeCloseTo(direct.ece, 12);
    expect(weighted.brier).toBeCloseTo(direct.brier, 12);
  });
});
