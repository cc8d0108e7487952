import { fitCalibrator, resolveAutoMethod, type CalibrationMethod, type FitMethod } from "./calibrators";
import { CalibrationInputError } from "./errors";
import { metricsUnchecked, type Metrics } from "./metrics";
import { mulberry32, shuffleInPlace } from "./random";
import { assertIntegerAtLeast, assertScoredLabels } from "./validate";

export interface CrossValidationOptions {
  folds?: number;
  seed?: number;
  symmetric?: boolean;
  /** Explicit fold of each item (0..folds−1); overrides the seeded stratified assignment. */
  foldOf?: ReadonlyArray<number>;
}

export interface CrossValidationResult {
  /** The method actually fitted in every fold (`auto` is resolved once, on the full label count). */
  method: FitMethod | "identity";
  folds: number;
  fold_of: number[];
  /** Held-out calibrated probability of every item, from the model that did not see its label. */
  predictions: number[];
  metrics: Metrics;
  raw_metrics: Metrics;
}

/**
 * Stratified fold assignment: positives and negatives are shuffled separately (seeded) and dealt
 * round-robin, so every training split keeps both classes whenever each class has ≥ 2 items.
 */
export function assignFolds(y: ReadonlyArray<number>, folds: number, seed = 0): number[] {
  assertIntegerAtLeast(folds, 2, "options.folds");
  const rng = mulberry32(seed);
  const out = new Array<number>(y.length).fill(0);
  let next = 0;
  for (const cls of [1, 0]) {
    const members = shuffleInPlace(
      rng,
      y.flatMap((v, i) => (v === cls ? [i] : [])),
    );
    for (const i of members) {
      out[i] = next;
      next = (next + 1) % folds;
    }
  }
  return out;
}

/**
 * k-fold cross-validated calibration metrics: each fold's probabilities come from a calibrator
 * fitted on the other folds only, and metrics are computed on the pooled held-out predictions. A
 * calibrator is therefore never scored on labels it was fitted on. `auto` is resolved on the full
 * label count so the estimate describes the model that would be deployed with all labels.
 */
export function crossValidatedMetrics(
  p: ReadonlyArray<number>,
  y: ReadonlyArray<number>,
  method: CalibrationMethod,
  options: CrossValidationOptions = {},
): CrossValidationResult {
  assertScoredLabels(p, y);
  const folds = options.folds ?? 5;
  assertIntegerAtLeast(folds, 2, "options.folds");
  if (folds > p.length) throw new CalibrationInputError("options.folds", `cannot exceed the number of items (${p.length})`);
  const foldOf = options.foldOf ? [...options.foldOf] : assignFolds(y, folds, options.seed ?? 0);
  if (foldOf.length !== p.length) throw new CalibrationInputError("options.foldOf", `must have ${p.length} entries`);
  foldOf.forEach((f, i) => {
    if (!Number.isInteger(f) || f < 0 || f >= folds) throw new CalibrationInputError(`options.foldOf[${i}]`, `must be an integer in [0, ${folds})`);
  });

  const resolved = method === "auto" ? resolveAutoMethod(p.length) : method;
  const predictions = [...p];
  if (resolved !== "identity") {
    for (let f = 0; f < folds; f++) {
      const train = foldOf.flatMap((g, i) => (g === f ? [] : [i]));
      const held = foldOf.flatMap((g, i) => (g === f ? [i] : []));
      if (held.length === 0) continue;
      const model = fitCalibrator(
        train.map((i) => p[i] as number),
        train.map((i) => y[i] as number),
        { method: resolved, symmetric: options.symmetric ?? false },
      );
      for (const i of held) predictions[i] = model.apply(p[i] as number);
    }
  }
  return {
    method: resolved,
    folds,
    fold_of: foldOf,
    predictions,
    metrics: metricsUnchecked(predictions, y),
    raw_metrics: metricsUnchecked(p, y),
  };
}
