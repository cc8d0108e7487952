import { describe, expect, it } from "vitest";
import {
  AUTO_THRESHOLDS,
  CalibrationInputError,
  MIN_LABELS,
  applyCalibrator,
  examplesToArrays,
  fitCalibrator,
  logit,
  parseCalibratorModel,
  poolAdjacentViolators,
  resolveAutoMethod,
  sigmoid,
  type CalibratorModel,
} from "../../src/calibration/index";
import { syntheticJudge } from "./helpers";

const grid = Array.from({ length: 101 }, (_, i) => i / 100);

describe("parametric calibrators recover known miscalibration", () => {
  it("temperature: labels drawn from σ(logit(p)/2.5)", () => {
    const { p, y } = syntheticJudge(8000, 1, (q) => sigmoid(logit(q) / 2.5));
    const { model } = fitCalibrator(p, y, { method: "temperature" });
    expect(model.method).toBe("temperature");
    if (model.method !== "temperature") return;
    expect(model.params.temperature).toBeGreaterThan(2.2);
    expect(model.params.temperature).toBeLessThan(2.8);
  });

  it("Platt: labels drawn from σ(0.4·logit(p) − 0.7)", () => {
    const { p, y } = syntheticJudge(8000, 2, (q) => sigmoid(0.4 * logit(q) - 0.7));
    const { model } = fitCalibrator(p, y, { method: "platt" });
    if (model.method !== "platt") throw new Error("expected platt");
    expect(model.params.a).toBeCloseTo(0.4, 1);
    expect(model.params.b).toBeCloseTo(-0.7, 1);
  });

  it("beta: labels drawn from σ(0.6·ln p − 1.5·ln(1−p) + 0.3)", () => {
    const truth = (q: number): number => sigmoid(0.6 * Math.log(q) - 1.5 * Math.log(1 - q) + 0.3);
    const { p, y } = syntheticJudge(10000, 3, truth, 1.5);
    const { model } = fitCalibrator(p, y, { method: "beta" });
    if (model.method !== "beta") throw new Error("expected beta");
    expect(Math.abs(model.params.a - 0.6)).toBeLessThan(0.15);
    expect(Math.abs(model.params.b - 1.5)).toBeLessThan(0.2);
    expect(Math.abs(model.params.c - 0.3)).toBeLessThan(0.2);
  });

  it("beta: a coefficient that would be negative is dropped and the rest refitted", () => {
    // True a is −0.8: the unconstrained fit would be non-monotone.
    const { p, y } = syntheticJudge(6000, 4, (q) => sigmoid(-0.8 * Math.log(q) - 1.2 * Math.log(1 - q)), 1.5);
    const { model, apply } = fitCalibrator(p, y, { method: "beta" });
    if (model.method !== "beta") throw new Error("expected beta");
    expect(model.params.a).toBe(0);
    expect(model.params.b).toBeGreaterThan(0);
    for (let i = 1; i < grid.length; i++) expect(apply(grid[i]!)).toBeGreaterThanOrEqual(apply(grid[i - 1]!));
  });

  it("calibration lowers log loss of an overconfident judge", () => {
    const { p, y } = syntheticJudge(4000, 5, (q) => sigmoid(logit(q) / 3));
    const loss = (f: (q: number) => number): number => -p.reduce((s, q, i) => s + (y[i] === 1 ? Math.log(f(q)) : Math.log(1 - f(q))), 0) / p.length;
    const raw = loss((q) => Math.min(1 - 1e-6, Math.max(1e-6, q)));
    for (const method of ["temperature", "platt", "beta", "isotonic"] as const) {
      expect(loss(fitCalibrator(p, y, { method }).apply)).toBeLessThan(raw - 0.1);
    }
  });
});

describe("isotonic calibration", () => {
  it("PAV matches a hand-worked example", () => {
    const blocks = poolAdjacentViolators([1, 3, 2, 4, 3, 5]);
    expect(blocks.map((b) => b.value)).toEqual([1, 2.5, 3.5, 5]);
    expect(blocks.map((b) => [b.start, b.end])).toEqual([
      [0, 0],
      [1, 2],
      [3, 4],
      [5, 5],
    ]);
    // A violation that cascades backwards: 4 pools with (5, 6)'s successor chain.
    expect(poolAdjacentViolators([4, 5, 6, 0]).map((b) => b.value)).toEqual([3.75]);
    expect(poolAdjacentViolators([1, 1, 2], [1, 2, 3]).map((b) => b.weight)).toEqual([1, 2, 3]);
  });

  it("fits, centres blocks and interpolates as worked by hand", () => {
    const p = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.2];
    const y = [0, 1, 0, 0, 1, 1, 0];
    const base = Array.from({ length: 200 }, (_, i) => i);
    // Pad to the isotonic minimum with copies of the same 7 points; the blocks are unchanged.
    const bigP = base.flatMap(() => p);
    const bigY = base.flatMap(() => y);
    const { model, apply } = fitCalibrator(bigP, bigY, { method: "isotonic" });
    if (model.method !== "isotonic") throw new Error("expected isotonic");
    // Sorted: 0.1→0 | 0.2→½ (two items) , 0.3→0, 0.4→0 pool to (1+0+0+0)/4 = ¼ at mean p 0.275 | 0.5→1 | 0.6→1
    expect(model.params.x.map((v) => Number(v.toFixed(6)))).toEqual([0.1, 0.275, 0.5, 0.6]);
    expect(model.params.y[0]).toBeCloseTo(1e-6, 12);
    expect(model.params.y[1]).toBeCloseTo(0.25, 12);
    expect(model.params.y[3]).toBeCloseTo(1 - 1e-6, 12);
    expect(apply(0.05)).toBeCloseTo(1e-6, 12);
    expect(apply(0.275)).toBeCloseTo(0.25, 12);
    expect(apply(0.3875)).toBeCloseTo(0.625, 5); // halfway between 0.275 (¼) and 0.5 (≈1)
    expect(apply(0.99)).toBeCloseTo(1 - 1e-6, 12);
  });

  it("is monotone and tracks the true curve on synthetic data", () => {
    const { p, y } = syntheticJudge(5000, 6, (q) => q * q, 1.2);
    const { apply } = fitCalibrator(p, y, { method: "isotonic" });
    for (let i = 1; i < grid.length; i++) expect(apply(grid[i]!)).toBeGreaterThanOrEqual(apply(grid[i - 1]!));
    expect(apply(0.5)).toBeGreaterThan(0.17);
    expect(apply(0.5)).toBeLessThan(0.33);
  });
});

describe("auto selection and minimums", () => {
  const data = (n: number) => syntheticJudge(n, 7, (q) => q);

  it("picks the method by label count", () => {
    expect(resolveAutoMethod(49)).toBe("identity");
    expect(resolveAutoMethod(AUTO_THRESHOLDS.platt)).toBe("platt");
    expect(resolveAutoMethod(199)).toBe("platt");
    expect(resolveAutoMethod(200)).toBe("beta");
    expect(resolveAutoMethod(999)).toBe("beta");
    expect(resolveAutoMethod(1000)).toBe("isotonic");
    const few = data(49);
    const fitted = fitCalibrator(few.p, few.y);
    expect(fitted.model).toMatchObject({ method: "identity", calibrated: false, reason: "too_few_labels", n_labels: 49 });
    expect(fitted.apply(0.37)).toBe(0.37);
    const some = data(120);
    expect(fitCalibrator(some.p, some.y).model).toMatchObject({ method: "platt", calibrated: true });
  });

  it("falls back to identity on a single class under auto, but throws when a method is requested", () => {
    const p = Array.from({ length: 60 }, (_, i) => (i + 1) / 62);
    const y = p.map(() => 1);
    expect(fitCalibrator(p, y).model).toMatchObject({ method: "identity", reason: "single_class" });
    expect(() => fitCalibrator(p, y, { method: "platt" })).toThrow(CalibrationInputError);
  });

  it("rejects an explicit method with too few labels, naming the field", () => {
    const d = data(MIN_LABELS.isotonic - 1);
    const err = (() => {
      try {
        fitCalibrator(d.p, d.y, { method: "isotonic" });
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(CalibrationInputError);
    expect((err as CalibrationInputError).path).toBe("y");
    expect((err as Error).message).toMatch(/at least 200/);
    const small = data(MIN_LABELS.platt);
    expect(() => fitCalibrator(small.p, small.y, { method: "platt" })).not.toThrow();
  });

  it("validates inputs with a path", () => {
    const at = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (e) {
        return e instanceof CalibrationInputError ? e.path : "other error";
      }
      return undefined;
    };
    expect(at(() => fitCalibrator([0.2, Number.NaN], [0, 1]))).toBe("p[1]");
    expect(at(() => fitCalibrator([0.2, 1.2], [0, 1]))).toBe("p[1]");
    expect(at(() => fitCalibrator([0.2, 0.4], [0, 2]))).toBe("y[1]");
    expect(at(() => fitCalibrator([0.2, 0.4], [0]))).toBe("y");
    expect(
      at(() =>
        examplesToArrays([
          { p: 0.1, label: 1 },
          { p: 0.3, label: 1 },
          { p: 0.4, label: 0 },
          { p: -1, label: 0 },
        ]),
      ),
    ).toBe("examples[3].p");
  });
});

describe("serialisation and symmetry", () => {
  it("a model survives JSON round trip and re-applies identically", () => {
    const { p, y } = syntheticJudge(1200, 8, (q) => sigmoid(0.5 * logit(q) + 0.2));
    for (const method of ["temperature", "platt", "beta", "isotonic"] as const) {
      for (const symmetric of [false, true]) {
        const fitted = fitCalibrator(p, y, { method, symmetric });
        const stored = parseCalibratorModel(JSON.parse(JSON.stringify(fitted.model)));
        for (const q of [0, 0.013, 0.3, 0.5, 0.77, 1]) expect(applyCalibrator(stored, q)).toBe(fitted.apply(q));
      }
    }
  });

  it("rejects a malformed stored model with a path", () => {
    const bad = { method: "platt", params: { a: "x", b: 0 }, calibrated: true, n_labels: 10, symmetric: false };
    expect(() => parseCalibratorModel(bad)).toThrow(/model\.params\.a/);
    const iso: CalibratorModel = { method: "isotonic", params: { x: [0.2, 0.1], y: [0.1, 0.2] }, calibrated: true, n_labels: 300, symmetric: false };
    expect(() => parseCalibratorModel(iso)).toThrow(/params\.x\[1\]/);
  });

  it("symmetric fits satisfy f(1−p) = 1 − f(p); Platt and beta reduce to a slope on the logit", () => {
    // Position bias: response 1 wins more often than the judge thinks.
    const { p, y } = syntheticJudge(1500, 9, (q) => sigmoid(0.5 * logit(q) + 0.4));
    for (const method of ["temperature", "platt", "beta", "isotonic"] as const) {
      const { apply } = fitCalibrator(p, y, { method, symmetric: true });
      for (const q of grid) expect(apply(1 - q)).toBeCloseTo(1 - apply(q), 9);
      expect(apply(0.5)).toBeCloseTo(0.5, 9);
    }
    const platt = fitCalibrator(p, y, { method: "platt", symmetric: true }).model;
    const beta = fitCalibrator(p, y, { method: "beta", symmetric: true }).model;
    if (platt.method !== "platt" || beta.method !== "beta") throw new Error("unexpected method");
    expect(Math.abs(platt.params.b)).toBeLessThan(1e-6);
    expect(beta.params.a).toBeCloseTo(beta.params.b, 6);
    expect(Math.abs(beta.params.c)).toBeLessThan(1e-6);
  });
});
