// The figures the CLI computes itself, checked against worlds whose truth is known.
import { describe, expect, it } from "vitest";
import { kappaInterval, type Pair } from "../../src/cli/calibrate/stats";

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
