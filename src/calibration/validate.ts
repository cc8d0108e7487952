import { CalibrationInputError } from "./errors";

/** Binary outcome: 1 when the positive outcome happened. */
export type Label = 0 | 1;

/** Throws unless every entry is a finite number in [0, 1]. */
export function assertProbabilities(p: ReadonlyArray<number>, name = "p"): void {
  if (!Array.isArray(p)) throw new CalibrationInputError(name, "must be an array of probabilities");
  p.forEach((v, i) => {
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new CalibrationInputError(`${name}[${i}]`, "must be a finite number");
    }
    if (v < 0 || v > 1) throw new CalibrationInputError(`${name}[${i}]`, `must lie in [0, 1], got ${v}`);
  });
}

/** Throws unless every entry is 0 or 1. */
function assertLabels(y: ReadonlyArray<number>, name = "y"): void {
  if (!Array.isArray(y)) throw new CalibrationInputError(name, "must be an array of 0/1 labels");
  y.forEach((v, i) => {
    if (v !== 0 && v !== 1) throw new CalibrationInputError(`${name}[${i}]`, `must be 0 or 1, got ${String(v)}`);
  });
}

/** Validates a (probabilities, labels) pair of equal length. */
export function assertScoredLabels(p: ReadonlyArray<number>, y: ReadonlyArray<number>, names: { p: string; y: string } = { p: "p", y: "y" }): void {
  assertProbabilities(p, names.p);
  assertLabels(y, names.y);
  if (p.length !== y.length) {
    throw new CalibrationInputError(names.y, `has ${y.length} labels but ${names.p} has ${p.length} entries`);
  }
}

/** Throws unless `v` is a number strictly between 0 and 1 (α, δ, interval levels). */
export function assertOpenUnit(v: number, path: string): void {
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0 || v >= 1) {
    throw new CalibrationInputError(path, `must be a number strictly between 0 and 1, got ${String(v)}`);
  }
}

/** Throws unless `v` is an integer ≥ min. */
export function assertIntegerAtLeast(v: number, min: number, path: string): void {
  if (!Number.isInteger(v) || v < min) throw new CalibrationInputError(path, `must be an integer ≥ ${min}, got ${String(v)}`);
}

/**
 * Converts request-shaped examples into the parallel arrays the library works on, reporting
 * errors against the caller's own field names (e.g. `examples[3].p`).
 */
export function examplesToArrays(examples: ReadonlyArray<{ p: number; label: number }>, name = "examples"): { p: number[]; y: Label[] } {
  if (!Array.isArray(examples)) throw new CalibrationInputError(name, "must be an array");
  const p: number[] = [];
  const y: Label[] = [];
  examples.forEach((ex, i) => {
    const v = ex?.p;
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || v > 1) {
      throw new CalibrationInputError(`${name}[${i}].p`, "must be a finite number in [0, 1]");
    }
    if (ex.label !== 0 && ex.label !== 1) throw new CalibrationInputError(`${name}[${i}].label`, "must be 0 or 1");
    p.push(v);
    y.push(ex.label);
  });
  return { p, y };
}
