import { describe, expect, it } from "vitest";
import {
  CalibrationInputError,
  certifyThreshold,
  clopperPearsonUpper,
  fixedSequenceTest,
  inverseRegularizedIncompleteBeta,
  THRESHOLD_GRID,
  logGamma,
  mulberry32,
  regularizedIncompleteBeta,
} from "../../src/calibration/index";

/** Beta(a, b) CDF by composite Simpson integration of the density, independent of the library. */
function betaCdfBySimpson(x: number, a: number, b: number): number {
  const steps = 20000;
  const h = x / steps;
  let logNorm = 0; // ln B(a, b) for integer a, b: ln((a−1)!(b−1)!/(a+b−1)!)
  for (let k = 1; k < a; k++) logNorm += Math.log(k);
  for (let k = 1; k < b; k++) logNorm += Math.log(k);
  for (let k = 1; k < a + b; k++) logNorm -= Math.log(k);
  const f = (t: number): number => (t <= 0 || t >= 1 ? 0 : Math.exp((a - 1) * Math.log(t) + (b - 1) * Math.log1p(-t) - logNorm));
  let s = f(0) + f(x);
  for (let i = 1; i < steps; i++) s += (i % 2 === 1 ? 4 : 2) * f(i * h);
  return (s * h) / 3;
}

/** P(Binomial(n, r) ≤ k) by direct summation. */
function binomialCdf(k: number, n: number, r: number): number {
  let s = 0;
  for (let j = 0; j <= k; j++) {
    let logC = 0;
    for (let t = 1; t <= j; t++) logC += Math.log(n - j + t) - Math.log(t);
    s += Math.exp(logC + j * Math.log(r) + (n - j) * Math.log1p(-r));
  }
  return s;
}

describe("special functions and the Clopper–Pearson bound", () => {
  it("log-gamma matches factorials", () => {
    expect(logGamma(1)).toBeCloseTo(0, 13);
    expect(logGamma(11)).toBeCloseTo(Math.log(3628800), 11);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 13);
  });

  it("incomplete beta matches closed forms", () => {
    for (const x of [0.01, 0.3, 0.77, 0.999]) {
      expect(regularizedIncompleteBeta(x, 1, 1)).toBeCloseTo(x, 14);
      expect(regularizedIncompleteBeta(x, 4, 1)).toBeCloseTo(x ** 4, 14);
      expect(regularizedIncompleteBeta(x, 1, 6)).toBeCloseTo(1 - (1 - x) ** 6, 14);
    }
  });

  it("upper bound with no errors is 1 − δ^(1/n); with n−1 errors it is (1−δ)^(1/n)", () => {
    for (const [n, delta] of [
      [30, 0.1],
      [100, 0.05],
      [7, 0.2],
      [500, 0.01],
    ] as const) {
      expect(Math.abs(clopperPearsonUpper(0, n, delta) - (1 - delta ** (1 / n)))).toBeLessThan(1e-12);
      expect(Math.abs(clopperPearsonUpper(n - 1, n, delta) - (1 - delta) ** (1 / n))).toBeLessThan(1e-12);
    }
    expect(clopperPearsonUpper(12, 12, 0.1)).toBe(1);
  });

  it("matches the beta quantile found by numeric integration, and the binomial tail definition", () => {
    for (const [k, n, delta] of [
      [3, 30, 0.1],
      [10, 100, 0.05],
      [40, 250, 0.1],
    ] as const) {
      const u = clopperPearsonUpper(k, n, delta);
      // The bound is where P(Bin(n, u) ≤ k) = δ …
      expect(Math.abs(binomialCdf(k, n, u) - delta)).toBeLessThan(1e-10);
      // … equivalently the (1−δ)-quantile of Beta(k+1, n−k).
      expect(Math.abs(betaCdfBySimpson(u, k + 1, n - k) - (1 - delta))).toBeLessThan(1e-9);
    }
    // Published value (scipy.stats.beta.ppf(0.9, 4, 27)).
    expect(Math.abs(clopperPearsonUpper(3, 30, 0.1) - 0.20929946558702422)).toBeLessThan(1e-12);
    expect(Math.abs(inverseRegularizedIncompleteBeta(0.5, 2, 2) - 0.5)).toBeLessThan(1e-14);
  });
});

/** n items with strictly decreasing confidence; `wrong` lists ranks (0 = most confident) that disagree. */
function ranked(n: number, wrong: ReadonlySet<number>): { confidence: number[]; agree: boolean[] } {
  return {
    confidence: Array.from({ length: n }, (_, i) => 1 - (0.5 * i) / n),
    agree: Array.from({ length: n }, (_, i) => !wrong.has(i)),
  };
}

describe("fixed-sequence certification", () => {
  const opts = { alpha: 0.2, delta: 0.1 };

  it("returns null when the data cannot support α", () => {
    const tooFew = ranked(29, new Set());
    expect(certifyThreshold(tooFew.confidence, tooFew.agree, opts)).toBeNull();
    const perfect = ranked(30, new Set());
    // 0 errors in 30 bounds the error rate by 0.074 at best: α = 0.05 is out of reach.
    expect(certifyThreshold(perfect.confidence, perfect.agree, { alpha: 0.05, delta: 0.1 })).toBeNull();
    const rng = mulberry32(3);
    const noisy = ranked(400, new Set(Array.from({ length: 400 }, (_, i) => i).filter(() => rng() < 0.3)));
    expect(certifyThreshold(noisy.confidence, noisy.agree, opts)).toBeNull();
  });

  it("certifies the lowest passing threshold, whose own accepted set meets the bound", () => {
    const errors = new Set([5, 40, 70, 95, 120, 140, 160, 175, 185, 190, 195, 199]);
    const d = ranked(200, errors);
    const cert = certifyThreshold(d.confidence, d.agree, opts);
    expect(cert).not.toBeNull();
    const accepted = d.confidence.flatMap((c, i) => (c >= cert!.lambda ? [i] : []));
    const errs = accepted.filter((i) => !d.agree[i]).length;
    expect(cert!.n_accepted).toBe(accepted.length);
    expect(cert!.errors).toBe(errs);
    expect(cert!.upper_bound).toBe(clopperPearsonUpper(errs, accepted.length, 0.1));
    expect(cert!.upper_bound).toBeLessThanOrEqual(0.2);
    expect(cert!.coverage).toBe(accepted.length / 200);
    // Here every threshold passes, so the lowest (all items, 12 errors in 200) is returned.
    expect(cert!.n_accepted).toBe(200);
  });

  it("stops at the first failure even if a lower threshold would pass", () => {
    // Ranks 30–38 are all wrong: the bound fails around n = 35, although with everything accepted
    // (9 errors in 300) it would pass easily. Every item's confidence is a candidate here.
    const d = ranked(300, new Set([30, 31, 32, 33, 34, 35, 36, 37, 38]));
    const { certificate, steps } = fixedSequenceTest([d], { ...opts, candidates: d.confidence, minAccepted: 30 });
    expect(clopperPearsonUpper(9, 300, 0.1)).toBeLessThan(0.2);
    expect(steps.at(-1)!.passed).toBe(false);
    expect(steps.slice(0, -1).every((s) => s.passed)).toBe(true);
    expect(certificate).not.toBeNull();
    expect(certificate!.n_accepted).toBeLessThan(40);
    expect(certificate!.lambda).toBeGreaterThan(d.confidence[299]!);
    // No test below the failure was run.
    expect(steps.length).toBe(certificate!.n_accepted - 30 + 2);
  });

  it("returns null when the first tested threshold fails", () => {
    const d = ranked(300, new Set([0, 1, 2, 3, 4, 5, 6, 7]));
    const { certificate, steps } = fixedSequenceTest([d], { ...opts, candidates: d.confidence, minAccepted: 30 });
    expect(steps).toHaveLength(1);
    expect(steps[0]).toMatchObject({ n_accepted: 30, errors: 8, passed: false });
    expect(certificate).toBeNull();
  });

  it("tests the fixed grid 1, 0.99, …, 0.5 by default, from the first step accepting a tenth of the items", () => {
    expect(THRESHOLD_GRID).toHaveLength(51);
    expect([THRESHOLD_GRID[0], THRESHOLD_GRID[1], THRESHOLD_GRID.at(-1)]).toEqual([1, 0.99, 0.5]);
    const d = ranked(1000, new Set([0, 1, 2]));
    const { steps } = fixedSequenceTest([d], opts);
    // Confidence 1 − i/2000: λ = 0.95 is the first grid step accepting ≥ 100 items (101 of them).
    expect(steps[0]).toMatchObject({ lambda: 0.95, n_accepted: 101, errors: 3 });
    expect(steps.every((s) => THRESHOLD_GRID.includes(s.lambda))).toBe(true);
  });

  it("skips thresholds below minAccepted and honours a given grid", () => {
    const d = ranked(100, new Set([0, 1, 2]));
    const strict = fixedSequenceTest([d], { ...opts, candidates: d.confidence, minAccepted: 30 });
    expect(strict.steps[0]!.n_accepted).toBe(30);
    const grid = fixedSequenceTest([d], { ...opts, candidates: [0.9, 0.99, 0.6, 0.8] });
    expect(grid.steps.map((s) => s.lambda)).toEqual([0.8, 0.6]);
    expect(grid.certificate?.lambda).toBe(0.6);
  });

  it("tests a cascade jointly: each item is decided by the first stage reaching λ, and counted once", () => {
    // Stage 0 is sure and right on items 0–49 and unsure elsewhere; stage 1 is sure on everything
    // and right on items 0–149 only.
    const n = 200;
    const idx = Array.from({ length: n }, (_, i) => i);
    const first = { confidence: idx.map((i) => (i < 50 ? 0.95 : 0.55)), agree: idx.map((i) => i < 50) };
    const second = { confidence: idx.map(() => 0.9), agree: idx.map((i) => i < 150) };
    const { steps } = fixedSequenceTest([first, second], { ...opts, candidates: [0.95, 0.9, 0.55] });
    expect(steps[0]).toMatchObject({ lambda: 0.95, n_accepted: 50, errors: 0 });
    // At 0.9 stage 1 takes the 150 items stage 0 leaves: 50 of them wrong.
    expect(steps[1]).toMatchObject({ lambda: 0.9, n_accepted: 200, errors: 50, passed: false });
    expect(steps).toHaveLength(2);
  });

  it("never returns a threshold whose accepted set fails the bound (random instances)", () => {
    const rng = mulberry32(99);
    for (let trial = 0; trial < 200; trial++) {
      const n = 30 + Math.floor(rng() * 300);
      const confidence = Array.from({ length: n }, () => 0.5 + Math.round(rng() * 50) / 100);
      const agree = confidence.map((c) => rng() < c + 0.1);
      const alpha = 0.1 + rng() * 0.2;
      const cert = certifyThreshold(confidence, agree, { alpha, delta: 0.1 });
      if (cert === null) continue;
      const idx = confidence.flatMap((c, i) => (c >= cert.lambda ? [i] : []));
      const errs = idx.filter((i) => !agree[i]).length;
      expect(idx.length).toBeGreaterThanOrEqual(Math.max(30, n / 10));
      expect(clopperPearsonUpper(errs, idx.length, 0.1)).toBeLessThanOrEqual(alpha);
    }
  });

  it("validates its inputs", () => {
    expect(() => certifyThreshold([0.9], [true], { alpha: 1.2, delta: 0.1 })).toThrow(CalibrationInputError);
    expect(() => certifyThreshold([0.9, 2], [true, true], opts)).toThrow(/confidence\[1\]/);
    expect(() => certifyThreshold([0.9], [true, false], opts)).toThrow(/agree/);
  });
});
