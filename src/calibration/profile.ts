import { metricsWithIntervals, type MetricsWithIntervals } from './bootstrap.js';
import { fitCalibrator, MIN_LABELS, resolveAutoMethod, type CalibrationMethod, type CalibratorModel, type FitMethod } from './calibrators.js';
import { certifyCascade } from './cascade.js';
import { pairwiseAgreement, pairwiseConfidence, type Certificate } from './certify.js';
import { crossValidatedMetrics } from './cross-validation.js';
import { CalibrationInputError } from './errors.js';
import { reliabilityBins, type ReliabilityBin } from './metrics.js';
import type { Label } from './validate.js';

export type ProfileKind = 'pointwise' | 'pairwise';

/** Below this many labels nothing is fitted: the raw signal is served, marked uncalibrated. */
export const MIN_FIT_LABELS = 50;
export const CV_FOLDS = 5;
export const BOOTSTRAP_RESAMPLES = 1000;
export const DEFAULT_TARGET = { alpha: 0.2, delta: 0.1 } as const;

export interface StageData {
  /** Judge model name; null for a single-judge profile that does not name one. */
  judge: string | null;
  /** Raw probability of the positive outcome (pointwise: the response is good; pairwise: A wins). */
  p: number[];
  y: Label[];
}

export interface ThresholdView {
  lambda: number;
  coverage: number;
  alpha: number;
  delta: number;
  n_accepted: number;
  errors: number;
  upper_bound: number;
}

export interface StageProfile {
  judge: string | null;
  method: FitMethod | 'identity';
  calibrated: boolean;
  n: number;
  model: CalibratorModel;
  raw_metrics: MetricsWithIntervals;
  /** Of held-out (cross-validated) predictions; equal to raw_metrics when nothing was fitted. */
  metrics: MetricsWithIntervals;
  reliability: ReliabilityBin[];
  threshold: ThresholdView | null;
  /** Calibration items that reach this judge (all of them for the first) and that it decides. */
  n_reaching: number;
  n_decided: number;
}

export interface ProfileSummary {
  kind: ProfileKind;
  target: { alpha: number; delta: number };
  /** Stage k is fitted and certified on the mean raw probability of judges 0..k. */
  pooled: boolean;
  stages: StageProfile[];
  /** Over the calibration items, with every stage's threshold applied in order. */
  coverage: number;
  agreement: number | null;
}

/**
 * Fewest labels an explicitly requested method accepts: at least MIN_FIT_LABELS, and enough that
 * every cross-validation training split still holds the method's own minimum.
 */
export function minLabelsFor(method: FitMethod): number {
  let n = Math.max(MIN_FIT_LABELS, MIN_LABELS[method]);
  while (n - Math.ceil(n / CV_FOLDS) < MIN_LABELS[method]) n++;
  return n;
}

/**
 * Fits one judge's calibration map and measures it. Metrics of a fitted map come from
 * cross-validation, so no prediction is scored against a label its map was fitted on. Pairwise
 * maps are fitted symmetrically (f(1−p) = 1 − f(p)), so they cannot learn position bias and
 * never change which response is picked.
 */
export function fitStage(data: StageData, kind: ProfileKind, method: CalibrationMethod, path: string): Omit<StageProfile, 'threshold' | 'n_reaching' | 'n_decided'> & { predictions: number[]; fitted: number[] } {
  const { p, y } = data;
  const n = p.length;
  const symmetric = kind === 'pairwise';
  const positives = y.reduce<number>((s, v) => s + v, 0);
  // Cross-validation needs both outcomes in every training split.
  const tooFewOfAClass = !symmetric && Math.min(positives, n - positives) < CV_FOLDS;
  if (method !== 'auto') {
    if (!Object.hasOwn(MIN_LABELS, method)) throw new CalibrationInputError(`${path}method`, `unknown method "${String(method)}"`);
    const min = minLabelsFor(method);
    if (n < min) throw new CalibrationInputError(`${path}examples`, `${method} calibration needs at least ${min} examples, got ${n}`);
    if (tooFewOfAClass) throw new CalibrationInputError(`${path}examples`, `${method} calibration needs at least ${CV_FOLDS} examples of each label`);
  }
  const resolved = method === 'auto' ? (n < MIN_FIT_LABELS || tooFewOfAClass ? 'identity' : resolveAutoMethod(n)) : method;
  const raw_metrics = metricsWithIntervals(p, y, { resamples: BOOTSTRAP_RESAMPLES });
  if (resolved === 'identity') {
    const model: CalibratorModel = {
      method: 'identity',
      params: {},
      calibrated: false,
      reason: n < MIN_FIT_LABELS ? 'too_few_labels' : 'single_class',
      n_labels: n,
      symmetric,
    };
    return { judge: data.judge, method: 'identity', calibrated: false, n, model, raw_metrics, metrics: raw_metrics, reliability: reliabilityBins(p, y), predictions: [...p], fitted: [...p] };
  }
  const fitted = fitCalibrator(p, y, { method: resolved, symmetric });
  const cv = crossValidatedMetrics(p, y, resolved, { folds: CV_FOLDS, symmetric, seed: 0 });
  return {
    judge: data.judge,
    method: resolved,
    calibrated: true,
    n,
    model: fitted.model,
    raw_metrics,
    metrics: metricsWithIntervals(cv.predictions, y, { resamples: BOOTSTRAP_RESAMPLES }),
    reliability: reliabilityBins(cv.predictions, y),
    predictions: cv.predictions,
    fitted: p.map(fitted.apply),
  };
}

function thresholdView(c: Certificate | null): ThresholdView | null {
  if (c === null) return null;
  return { lambda: c.lambda, coverage: c.coverage, alpha: c.alpha, delta: c.delta, n_accepted: c.n_accepted, errors: c.errors, upper_bound: c.upper_bound };
}

/**
 * Fits every judge and certifies their thresholds (Jung, Brahman & Choi 2024, "Trust or
 * Escalate"): one judge is certified on all items; in a cascade each later judge is certified on
 * the items every earlier one abstained on. Certification runs on the deployed maps' outputs
 * (confidence max(q, 1−q) of the calibrated q, agreement of the pick q ≥ ½ with the label),
 * exactly the rule applied at query time; a threshold that fails its test is never returned.
 */
export function buildProfile(
  kind: ProfileKind,
  judges: ReadonlyArray<StageData>,
  options: { method: CalibrationMethod; target: { alpha: number; delta: number }; pooled?: boolean },
): ProfileSummary {
  const signals = options.pooled ? pooledSignals(judges.map((j) => j.p)) : judges.map((j) => j.p);
  const fits = judges.map((data, j) => fitStage({ ...data, p: signals[j]! }, kind, options.method, judges.length > 1 ? `judges[${j}].` : ''));
  const cascade = certifyCascade(
    fits.map((f, j) => {
      const y = judges[j]!.y;
      return { confidence: f.fitted.map(pairwiseConfidence), agree: f.fitted.map((q, i) => pairwiseAgreement(q, y[i] as number)) };
    }),
    options.target,
  );
  const stages = fits.map(({ predictions: _p, fitted: _f, ...stage }, j) => {
    const s = cascade.stages[j]!;
    return { ...stage, threshold: thresholdView(s.certificate), n_reaching: s.n_reaching, n_decided: s.n_decided };
  });
  return { kind, target: { ...options.target }, pooled: options.pooled ?? false, stages, coverage: cascade.coverage, agreement: cascade.agreement };
}

/**
 * The signal of stage k in a pooled cascade: the mean raw probability of judges 0..k. Every
 * earlier judge has already answered any item that reaches stage k, so pooling costs no call, and
 * averaging independent judges' probabilities sharpens the ranking the threshold is tested on.
 */
export function pooledSignal(raws: ReadonlyArray<number>): number {
  return raws.reduce((s, v) => s + v, 0) / raws.length;
}

function pooledSignals(perJudge: ReadonlyArray<ReadonlyArray<number>>): number[][] {
  return perJudge.map((_, k) => perJudge[0]!.map((_, i) => pooledSignal(perJudge.slice(0, k + 1).map((p) => p[i] as number))));
}
