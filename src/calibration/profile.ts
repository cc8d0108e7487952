import { metricsWithIntervals, type MetricsWithIntervals } from "./bootstrap";
import { applyCalibrator, type CalibrationMethod, type CalibratorModel, type FitMethod } from "./calibrators";
import type { Certificate } from "./certify";
import { crossValidatedMetrics } from "./cross-validation";
import { stageDiagnostics, type StageDiagnostics } from "./coverage-curve";
import { reliabilityBins, type ReliabilityBin } from "./metrics";
import { CV_FOLDS, fitDecisionRule, type DecisionRule, type ProfileKind, type ThresholdScale } from "./rule";
import type { Label } from "./validate";

const BOOTSTRAP_RESAMPLES = 1000;

export interface StageData {
  /** Judge model name; null for a single-judge profile that does not name one. */
  judge: string | null;
  /** Raw probability of the positive outcome (pointwise: the response is good; pairwise: A wins). */
  p: number[];
  y: Label[];
}

export interface ThresholdView {
  lambda: number;
  /** What λ is compared with: the confidence of the raw signal, or of the calibrated probability. */
  scale: ThresholdScale;
  /** Share of the certification items decided at λ. */
  coverage: number;
  alpha: number;
  delta: number;
  /** Certification items, routed through every stage. */
  n_items: number;
  n_accepted: number;
  errors: number;
  upper_bound: number;
}

export interface StageProfile extends StageDiagnostics {
  judge: string | null;
  method: FitMethod | "identity";
  calibrated: boolean;
  n: number;
  model: CalibratorModel;
  raw_metrics: MetricsWithIntervals;
  /** Of predictions whose labels no fitted map saw; equal to raw_metrics when nothing was fitted. */
  metrics: MetricsWithIntervals;
  reliability: ReliabilityBin[];
  /** The cascade's one certified threshold (the same for every stage), or null. */
  threshold: ThresholdView | null;
  /**
   * Certification items that reach this judge (all of them for the first), that it decides at the
   * cascade's threshold, and that it decides against people: this judge's share of the cascade's
   * totals in `threshold`.
   */
  n_reaching: number;
  n_decided: number;
  n_errors: number;
}

export interface ProfileSummary {
  kind: ProfileKind;
  target: { alpha: number; delta: number };
  /** Stage k is fitted and certified on the mean raw probability of judges 0..k. */
  pooled: boolean;
  /** What the threshold is compared with. */
  scale: ThresholdScale;
  /** Labels the maps were fitted on, and labels that certified the threshold (the same labels when the rule learns nothing from them). */
  fitted_on: number;
  certified_on: number;
  stages: StageProfile[];
  /** Over the certification items, with the threshold applied along the cascade. */
  coverage: number;
  agreement: number | null;
}

function thresholdView(c: Certificate | null, scale: ThresholdScale): ThresholdView | null {
  if (c === null) return null;
  const { lambda, coverage, alpha, delta, n_items, n_accepted, errors, upper_bound } = c;
  return { lambda, scale, coverage, alpha, delta, n_items, n_accepted, errors, upper_bound };
}

/**
 * Fits and certifies a profile (see fitDecisionRule), and measures every stage: the raw signal on
 * every label, the calibrated one on predictions whose labels no map saw (a pointwise map on the
 * certification items, which it was not fitted on; a pairwise map, fitted on every label, by
 * cross-validation).
 */
export function buildProfile(
  kind: ProfileKind,
  judges: ReadonlyArray<StageData>,
  options: { method: CalibrationMethod; target: { alpha: number; delta: number }; pooled?: boolean },
): ProfileSummary {
  const rule = fitDecisionRule(kind, judges, options);
  const y = judges[0]!.y;
  const threshold = thresholdView(rule.cascade.certificate, rule.scale);
  const diagnostics = stageDiagnostics(rule, y, options.target.delta);
  const stages = rule.stages.map((stage, k): StageProfile => {
    const signal = rule.signals[k]!;
    const raw_metrics = metricsWithIntervals(signal, y, { resamples: BOOTSTRAP_RESAMPLES });
    const held = heldOutPredictions(rule, k, y);
    const cascadeStage = rule.cascade.stages[k]!;
    return {
      judge: judges[k]!.judge,
      method: stage.method,
      calibrated: stage.model.calibrated,
      n: y.length,
      model: stage.model,
      raw_metrics,
      metrics: held ? metricsWithIntervals(held.q, held.y, { resamples: BOOTSTRAP_RESAMPLES }) : raw_metrics,
      reliability: held ? reliabilityBins(held.q, held.y) : reliabilityBins(signal, y),
      threshold,
      n_reaching: cascadeStage.n_reaching,
      n_decided: cascadeStage.n_decided,
      n_errors: cascadeStage.n_errors,
      ...diagnostics[k]!,
    };
  });
  return {
    kind,
    target: { ...options.target },
    pooled: rule.pooled,
    scale: rule.scale,
    fitted_on: rule.fitted.length,
    certified_on: rule.certified.length,
    stages,
    coverage: rule.cascade.coverage,
    agreement: rule.cascade.agreement,
  };
}

/** Calibrated predictions of stage k whose labels its map never saw, or null when nothing was fitted. */
function heldOutPredictions(rule: DecisionRule, k: number, y: ReadonlyArray<Label>): { q: number[]; y: Label[] } | null {
  const stage = rule.stages[k]!;
  const signal = rule.signals[k]!;
  if (stage.method === "identity") return null;
  if (rule.kind === "pairwise") {
    const cv = crossValidatedMetrics(signal, y, stage.method, { folds: CV_FOLDS, symmetric: true, seed: 0 });
    return { q: cv.predictions, y: [...y] };
  }
  return {
    q: rule.certified.map((i) => applyCalibrator(stage.model, signal[i] as number)),
    y: rule.certified.map((i) => y[i] as Label),
  };
}
