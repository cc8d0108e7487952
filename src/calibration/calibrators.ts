import { CalibrationInputError } from "./errors";
import { applyIsotonic, fitIsotonic, type IsotonicParams } from "./isotonic";
import {
  applyBeta,
  applyPlatt,
  applyTemperature,
  fitBeta,
  fitPlatt,
  fitTemperature,
  type BetaParams,
  type PlattParams,
  type TemperatureParams,
} from "./parametric";
import { assertScoredLabels } from "./validate";

export type FitMethod = "temperature" | "platt" | "beta" | "isotonic";
export type CalibrationMethod = FitMethod | "auto";

/**
 * Fewest labels accepted when a method is requested explicitly. One- and two-parameter maps are
 * usable from a few dozen labels; beta has three parameters; isotonic is non-parametric and
 * overfits badly below a few hundred.
 */
export const MIN_LABELS: Readonly<Record<FitMethod, number>> = { temperature: 20, platt: 20, beta: 50, isotonic: 200 };

/** Label counts at which `auto` moves to a more flexible family. */
export const AUTO_THRESHOLDS = { platt: 50, beta: 200, isotonic: 1000 } as const;

interface ModelBase {
  /** False only for the identity model, i.e. when nothing was fitted. */
  calibrated: boolean;
  /** Labels the model was fitted on (before any symmetric augmentation). */
  n_labels: number;
  /** Fitted on both orientations; applied as (f(p) + 1 − f(1−p)) / 2. */
  symmetric: boolean;
}

/** A calibration map as plain JSON, safe to store and re-apply with applyCalibrator. */
export type CalibratorModel =
  | (ModelBase & { method: "identity"; params: Record<string, never>; reason: "too_few_labels" | "single_class" })
  | (ModelBase & { method: "temperature"; params: TemperatureParams })
  | (ModelBase & { method: "platt"; params: PlattParams })
  | (ModelBase & { method: "beta"; params: BetaParams })
  | (ModelBase & { method: "isotonic"; params: IsotonicParams });

export interface FittedCalibrator {
  model: CalibratorModel;
  apply: (p: number) => number;
}

export interface FitOptions {
  method?: CalibrationMethod;
  /**
   * For pairwise judgements, where "response 1 wins with p" and "response 2 wins with 1−p" are the
   * same statement: fit on every example in both orientations ((p, y) and (1−p, 1−y)). This
   * enforces f(1−p) = 1 − f(p), so position bias cannot leak into the map, and the map is then
   * monotone in the judge's confidence max(p, 1−p). For Platt and beta the fit collapses to a
   * single slope on logit(p), i.e. temperature scaling.
   */
  symmetric?: boolean;
}

/** The method `auto` picks for n labels: identity below 50, then Platt, beta, isotonic. */
export function resolveAutoMethod(n: number): FitMethod | "identity" {
  if (n < AUTO_THRESHOLDS.platt) return "identity";
  if (n < AUTO_THRESHOLDS.beta) return "platt";
  if (n < AUTO_THRESHOLDS.isotonic) return "beta";
  return "isotonic";
}

/**
 * Fits a calibration map from raw probabilities p of the positive outcome to labels y (0/1).
 * `auto` never throws on valid input: with too few labels, or only one class, it returns the
 * identity marked `calibrated: false`. An explicit method with fewer than MIN_LABELS labels, or
 * with one class only, throws CalibrationInputError.
 */
export function fitCalibrator(p: ReadonlyArray<number>, y: ReadonlyArray<number>, options: FitOptions = {}): FittedCalibrator {
  assertScoredLabels(p, y);
  const requested = options.method ?? "auto";
  const symmetric = options.symmetric ?? false;
  const n = p.length;
  const positives = y.reduce((s, v) => s + v, 0);
  const singleClass = !symmetric && (positives === 0 || positives === n);
  const base = { n_labels: n, symmetric };

  let method: FitMethod;
  if (requested === "auto") {
    const chosen = resolveAutoMethod(n);
    if (chosen === "identity" || singleClass) {
      return withApply({ ...base, method: "identity", params: {}, calibrated: false, reason: chosen === "identity" ? "too_few_labels" : "single_class" });
    }
    method = chosen;
  } else {
    if (!Object.hasOwn(MIN_LABELS, requested)) throw new CalibrationInputError("method", `unknown calibration method "${String(requested)}"`);
    method = requested;
    if (n < MIN_LABELS[method]) {
      throw new CalibrationInputError("y", `${method} calibration needs at least ${MIN_LABELS[method]} labels, got ${n}`);
    }
    if (singleClass) throw new CalibrationInputError("y", `${method} calibration needs both 0 and 1 labels`);
  }

  const fp = symmetric ? [...p, ...p.map((v) => 1 - v)] : p;
  const fy = symmetric ? [...y, ...y.map((v) => 1 - v)] : y;
  const fitted = { ...base, calibrated: true };
  switch (method) {
    case "temperature":
      return withApply({ ...fitted, method, params: fitTemperature(fp, fy) });
    case "platt":
      return withApply({ ...fitted, method, params: fitPlatt(fp, fy) });
    case "beta":
      return withApply({ ...fitted, method, params: fitBeta(fp, fy) });
    case "isotonic":
      return withApply({ ...fitted, method, params: fitIsotonic(fp, fy) });
  }
}

function withApply(model: CalibratorModel): FittedCalibrator {
  return { model, apply: (p) => applyCalibrator(model, p) };
}

/** Applies a (possibly deserialised) model to one raw probability. */
export function applyCalibrator(model: CalibratorModel, p: number): number {
  const f = rawMap(model);
  return model.symmetric ? (f(p) + 1 - f(1 - p)) / 2 : f(p);
}

function rawMap(model: CalibratorModel): (p: number) => number {
  switch (model.method) {
    case "identity":
      return (p) => p;
    case "temperature":
      return (p) => applyTemperature(model.params, p);
    case "platt":
      return (p) => applyPlatt(model.params, p);
    case "beta":
      return (p) => applyBeta(model.params, p);
    case "isotonic":
      return (p) => applyIsotonic(model.params, p);
  }
}
