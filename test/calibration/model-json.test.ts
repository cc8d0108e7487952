import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CalibratorModel } from "../../src/calibration/calibrators";
import { CalibrationInputError } from "../../src/calibration/errors";
import { parseCalibratorModel } from "../../src/calibration/model-json";

// Stored calibrator models, generated: every well-formed one is read back as it was; every one
// spoiled in exactly one place is refused naming that place and what it must be. The expected
// answer comes from the spoiling, not from the parser.

// `+ 0` turns -0 into 0, as a JSON round trip does.
const probability = fc.double({ min: 0, max: 1, noNaN: true }).map((v) => v + 0);
const finite = fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => v + 0);
const base = { calibrated: fc.boolean(), symmetric: fc.boolean(), n_labels: fc.nat({ max: 1_000_000 }) };

/** x strictly increasing, y non-decreasing, of one length ≥ 1. */
const isotonicParams = fc
  .uniqueArray(probability, { minLength: 1, maxLength: 12 })
  .chain((xs) => fc.tuple(fc.constant(xs.sort((a, b) => a - b)), fc.array(probability, { minLength: xs.length, maxLength: xs.length })))
  .map(([x, ys]) => ({ x, y: ys.sort((a, b) => a - b) }));

const wellFormed: fc.Arbitrary<CalibratorModel> = fc.oneof(
  fc.record({
    ...base,
    method: fc.constant("identity" as const),
    params: fc.constant({}),
    reason: fc.constantFrom("too_few_labels" as const, "single_class" as const),
  }),
  fc.record({ ...base, method: fc.constant("temperature" as const), params: fc.record({ temperature: fc.double({ min: 1e-6, max: 100, noNaN: true }) }) }),
  fc.record({ ...base, method: fc.constant("platt" as const), params: fc.record({ a: finite, b: finite }) }),
  fc.record({ ...base, method: fc.constant("beta" as const), params: fc.record({ a: finite, b: finite, c: finite }) }),
  fc.record({ ...base, method: fc.constant("isotonic" as const), params: isotonicParams }),
);

/** Values that are none of: a boolean, a finite number, an object, an array. */
const notBooleanOrNumber = fc.constantFrom<unknown>(null, "true", "0", Number.NaN, Number.POSITIVE_INFINITY, [], {});
const notNumber = fc.constantFrom<unknown>(null, "1", Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, true, [], {});
const notObject = fc.constantFrom<unknown>(null, "params", 3, true, [], [1, 2]);

interface Spoiled {
  model: Record<string, unknown>;
  path: string;
  message: string;
}

const clone = (model: CalibratorModel) => structuredClone(model) as unknown as Record<string, any>;

/** One model spoiled in one place, with the field and the message that place must be refused with. */
const spoiled: fc.Arbitrary<Spoiled> = fc.oneof(
  fc
    .tuple(
      wellFormed,
      fc.constantFrom("calibrated", "symmetric"),
      notBooleanOrNumber.filter((v) => typeof v !== "boolean"),
    )
    .map(([m, key, bad]) => {
      const model = clone(m);
      model[key] = bad;
      return { model, path: `model.${key}`, message: "must be a boolean" };
    }),
  fc.tuple(wellFormed, fc.oneof(notNumber, fc.constantFrom(-1, 2.5, -0.5))).map(([m, bad]) => {
    const model = clone(m);
    model.n_labels = bad;
    return { model, path: "model.n_labels", message: "must be a non-negative integer" };
  }),
  fc.tuple(wellFormed, notObject).map(([m, bad]) => {
    const model = clone(m);
    model.params = bad;
    return { model, path: "model.params", message: "must be an object" };
  }),
  fc.tuple(wellFormed, fc.constantFrom<unknown>("sigmoid", "", null, 3, "Platt")).map(([m, bad]) => {
    const model = clone(m);
    model.method = bad;
    return { model, path: "model.method", message: `unknown method ${JSON.stringify(bad)}` };
  }),
  fc
    .tuple(
      wellFormed.filter((m) => m.method === "identity"),
      fc.constantFrom<unknown>(undefined, "", "few", 1),
    )
    .map(([m, bad]) => {
      const model = clone(m);
      model.reason = bad;
      return { model, path: "model.reason", message: 'must be "too_few_labels" or "single_class"' };
    }),
  fc
    .tuple(
      wellFormed.filter((m) => m.method === "temperature"),
      fc.oneof(notNumber, fc.constantFrom(0, -1, -1e-9)),
    )
    .map(([m, bad]) => {
      const model = clone(m);
      model.params.temperature = bad;
      return { model, path: "model.params.temperature", message: "must be a positive finite number" };
    }),
  fc
    .tuple(
      wellFormed.filter((m) => m.method === "platt" || m.method === "beta"),
      notNumber,
    )
    .chain(([m, bad]) =>
      fc.constantFrom(...Object.keys(m.params)).map((key) => {
        const model = clone(m);
        model.params[key] = bad;
        return { model, path: `model.params.${key}`, message: "must be a finite number" };
      }),
    ),
  fc
    .tuple(
      wellFormed.filter((m) => m.method === "isotonic"),
      fc.constantFrom("x", "y"),
      fc.constantFrom<unknown>(null, "0.5", 0.5, {}),
    )
    .map(([m, axis, bad]) => {
      const model = clone(m);
      model.params[axis] = bad;
      return { model, path: `model.params.${axis}`, message: "must be an array of numbers" };
    }),
  fc
    .tuple(
      wellFormed.filter((m) => m.method === "isotonic"),
      fc.constantFrom("x", "y"),
      fc.constantFrom<unknown>(-0.1, 1.5, Number.NaN, "0.5", null),
    )
    .chain(([m, axis, bad]) =>
      fc.nat({ max: (m.params as { x: number[] }).x.length - 1 }).map((i) => {
        const model = clone(m);
        model.params[axis][i] = bad;
        return { model, path: `model.params.${axis}[${i}]`, message: "must be a finite number in [0, 1]" };
      }),
    ),
  fc
    .tuple(
      wellFormed.filter((m) => m.method === "isotonic"),
      fc.boolean(),
    )
    .map(([m, shorten]) => {
      const model = clone(m);
      if (shorten) model.params.y = model.params.y.slice(1);
      else model.params.y = [...model.params.y, 1];
      return { model, path: "model.params.y", message: "must be non-empty and as long as params.x" };
    }),
  fc.tuple(wellFormed.filter((m) => m.method === "isotonic" && (m.params as { x: number[] }).x.length >= 2)).chain(([m]) =>
    fc.nat({ max: (m.params as { x: number[] }).x.length - 2 }).map((i) => {
      // x[i + 1] no longer above x[i]: the first place the order breaks is i + 1.
      const model = clone(m);
      model.params.x[i + 1] = model.params.x[i];
      return { model, path: `model.params.x[${i + 1}]`, message: "must be strictly increasing" };
    }),
  ),
  fc.tuple(wellFormed.filter((m) => m.method === "isotonic" && new Set((m.params as { y: number[] }).y).size >= 2)).map(([m]) => {
    // The first rise of y, swapped into a fall.
    const model = clone(m);
    const y: number[] = model.params.y;
    const i = y.findIndex((v, k) => k > 0 && v > y[k - 1]!);
    [y[i - 1], y[i]] = [y[i]!, y[i - 1]!];
    return { model, path: `model.params.y[${i}]`, message: "must be non-decreasing" };
  }),
);

describe("stored calibrator models", () => {
  it("reads back every well-formed model as it was stored, through JSON", () => {
    fc.assert(
      fc.property(wellFormed, (model) => {
        expect(parseCalibratorModel(JSON.parse(JSON.stringify(model)))).toEqual(model);
      }),
      { numRuns: 500 },
    );
  });

  it("drops keys no method reads, so what is applied is only what was checked", () => {
    fc.assert(
      fc.property(wellFormed, fc.string({ minLength: 1 }), (model, junk) => {
        const stored = { ...clone(model), extra: junk, params: { ...clone(model).params, extra: junk } };
        const read = parseCalibratorModel(stored) as unknown as Record<string, any>;
        expect(read.extra).toBeUndefined();
        expect(read.params.extra).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });

  it("refuses a model spoiled in one place, naming that place and what it must be", () => {
    fc.assert(
      fc.property(spoiled, ({ model, path, message }) => {
        let thrown: unknown;
        try {
          parseCalibratorModel(model);
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeInstanceOf(CalibrationInputError);
        expect((thrown as CalibrationInputError).path).toBe(path);
        expect((thrown as CalibrationInputError).message).toBe(`${path}: ${message}`);
      }),
      { numRuns: 2000 },
    );
  });

  it("names the field under the path it was given (a judge of a stored profile)", () => {
    expect(() => parseCalibratorModel({ calibrated: true, symmetric: false, n_labels: 3, method: "platt", params: { a: 1 } }, "judges[1].calibrator")).toThrow(
      "judges[1].calibrator.params.b: must be a finite number",
    );
    expect(() => parseCalibratorModel("a model", "judges[0].calibrator")).toThrow("judges[0].calibrator: must be an object");
  });
});
