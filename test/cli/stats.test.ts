// The figures the CLI computes itself, checked against worlds whose truth is known.
import { describe, expect, it } from "vitest";
import { certifyThreshold } from "../../src/calibration/certify";
import { kappaInterval, labelsNeeded, type Pair, type ReliabilityBin } from "../../src/cli/calibrate/stats";

/** A seeded generator for the simulations (xorshift32), so that a failure can be replayed. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

describe("Cohen's κ interval", () => {
  it("covers the population κ about 95% of the time", () => {
    // Label YES with probability 0.6; the judge says what the label says with probability 0.85
    // when it is YES and 0.75 when it is NO.
    const pYes = 0.6;
    const joint = { tp: pYes * 0.85, fn: pYes * 0.15, fp: (1 - pYes) * 0.25, tn: (1 - pYes) * 0.75 };
    const po = joint.tp + joint.tn;
    const judgeYes = joint.tp + joint.fp;
    const pe = pYes * judgeYes + (1 - pYes) * (1 - judgeYes);
    const truth = (po - pe) / (1 - pe);

    const next = rng(20240611);
    const runs = 300;
    let covered = 0;
    let sum = 0;
    for (let r = 0; r < runs; r++) {
      const groups: Pair[][] = Array.from({ length: 150 }, () => {
        const label = next() < pYes;
        const agrees = next() < (label ? 0.85 : 0.75);
        return [[label, agrees ? label : !label]];
      });
      const interval = kappaInterval(groups)!;
      sum += interval.estimate;
      if (interval.lo <= truth && truth <= interval.hi) covered++;
    }
    expect(Math.abs(sum / runs - truth)).toBeLessThan(0.02);
    // 300 runs: a 95% interval covers between about 91% and 98% of the time by chance alone.
    expect(covered / runs).toBeGreaterThan(0.9);
    expect(covered / runs).toBeLessThan(0.985);
  });

  it("is undefined when both sides only ever say one class", () => {
    expect(kappaInterval([[[true, true]], [[true, true]]])).toBeNull();
  });
});

describe("labels needed to certify", () => {
  // A judge whose answers fall in two bands: 60% of items at confidence 0.95 with 5% errors,
  // 40% at confidence 0.6 with 40% errors. At α = 0.1 only the confident band can be certified.
  const alpha = 0.1;
  const delta = 0.1;
  const draw = (next: () => number) => (next() < 0.6 ? { confidence: 0.95, wrong: next() < 0.05 } : { confidence: 0.6, wrong: next() < 0.4 });

  /** What 100 labels from this world show on average, as reliability bins of P(positive). */
  const bins: ReliabilityBin[] = [
    { lo: 0.9, hi: 1, count: 60, mean_confidence: 0.95, accuracy: 57 / 60 },
    { lo: 0.6, hi: 0.7, count: 40, mean_confidence: 0.6, accuracy: 24 / 40 },
  ];

  /** How often the server's own certification passes on `n` labels drawn from the world. */
  function certifiedShare(n: number, runs = 400): number {
    const next = rng(n * 7919);
    let passed = 0;
    for (let r = 0; r < runs; r++) {
      const items = Array.from({ length: n }, () => draw(next));
      const certificate = certifyThreshold(
        items.map((i) => i.confidence),
        items.map((i) => !i.wrong),
        { alpha, delta },
      );
      if (certificate) passed++;
    }
    return passed / runs;
  }

  it("names the count at which certification becomes about as likely as not, and near certain at twice it", () => {
    const estimate = labelsNeeded(bins, 100, alpha, delta)!;
    expect(estimate.coverage).toBeCloseTo(0.6, 12);
    expect(estimate.error_rate).toBeCloseTo(0.05, 12);
    const half = certifiedShare(Math.round(estimate.labels / 2));
    const at = certifiedShare(estimate.labels);
    const twice = certifiedShare(estimate.labels * 2);
    expect(at).toBeGreaterThan(0.4);
    expect(at).toBeLessThan(0.85);
    expect(half).toBeLessThan(at - 0.1);
    expect(twice).toBeGreaterThan(0.85);
  });

  it("says more labels cannot help when every band errs at α or more", () => {
    const bad: ReliabilityBin[] = [
      { lo: 0.9, hi: 1, count: 50, mean_confidence: 0.95, accuracy: 0.8 },
      { lo: 0, hi: 0.1, count: 50, mean_confidence: 0.05, accuracy: 0.2 },
    ];
    expect(labelsNeeded(bad, 100, alpha, delta)).toBeNull();
  });
});
