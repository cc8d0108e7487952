import { applyCalibrator, fitCalibrator, MIN_LABELS, resolveAutoMethod, type CalibrationMethod, type CalibratorModel, type FitMethod } from "./calibrators";
import { certifyCascade, type CascadeCertification } from "./cascade";
import { pairwiseAgreement, pairwiseConfidence } from "./certify";
import { CalibrationInputError } from "./errors";
import { mulberry32, permutation } from "./random";
import type { Label } from "./validate";

export type ProfileKind = "pointwise" | "pairwise";

/**
 * What a certified threshold is compared with: the confidence max(x, 1 − x) of the stage's raw
 * signal, or of its calibrated probability.
 */
export type ThresholdScale = "raw" | "calibrated";

/** Below this many fitting labels `auto` fits nothing: the raw signal is served, marked uncalibrated. */
const MIN_FIT_LABELS = 50;
export const CV_FOLDS = 5;
/**
 * Share of a pointwise profile's labels its calibration maps are fitted on; the rest certify the
 * threshold. Labels a map was fitted on cannot also test it: its in-sample optimism would enter
 * the test and void the guarantee.
 */
const POINTWISE_FIT_SHARE = 0.2;
export const DEFAULT_TARGET = { alpha: 0.2, delta: 0.1 } as const;

export interface JudgeLabels {
  /** Raw probability of the positive outcome (pointwise: the response is good; pairwise: A wins). */
  p: ReadonlyArray<number>;
  y: ReadonlyArray<Label>;
}

export interface RuleOptions {
  method: CalibrationMethod;
  target: { alpha: number; delta: number };
  /** Stage k decides on the mean raw probability of judges 0..k. */
  pooled?: boolean;
}

interface RuleStage {
  method: FitMethod | "identity";
  model: CalibratorModel;
}

/**
 * A certified way to decide: each stage's calibration map, the scale its threshold applies to, and
 * the threshold, certified for the cascade as a whole on labels no map was fitted on.
 */
export interface DecisionRule {
  kind: ProfileKind;
  pooled: boolean;
  scale: ThresholdScale;
  stages: RuleStage[];
  /** Per stage, the signal it decides on (own or pooled raw probability) for every labelled item. */
  signals: number[][];
  /** Items whose labels fitted the maps, and items whose labels certified the threshold. */
  fitted: number[];
  certified: number[];
  /** The certification, on the certified items. */
  cascade: CascadeCertification;
}

/**
 * The probability whose pick (≥ ½) and confidence (max(x, 1 − x)) decide at a stage. A pairwise
 * rule decides on the raw signal: its symmetric map never changes the pick, and is fitted on the
 * labels that certify, so a line drawn on the map's output would not be certified. A pointwise rule
 * decides on its map's output, the map having been fitted on labels certification does not use.
 */
export function decisionProbability(scale: ThresholdScale, model: CalibratorModel, raw: number): number {
  return scale === "raw" ? raw : applyCalibrator(model, raw);
}

/** Per stage, the signal it decides on: the judge's own probability, or (pooled) the mean over judges 0..k. */
export function stageSignals(perJudge: ReadonlyArray<ReadonlyArray<number>>, pooled: boolean): number[][] {
  if (!pooled) return perJudge.map((p) => [...p]);
  return perJudge.map((_, k) => perJudge[0]!.map((_, i) => pooledSignal(perJudge.slice(0, k + 1).map((p) => p[i] as number))));
}

/**
 * The signal of stage k in a pooled cascade: the mean raw probability of judges 0..k. Every
 * earlier judge has already answered any item that reaches stage k, so pooling costs no call.
 */
export function pooledSignal(raws: ReadonlyArray<number>): number {
  return raws.reduce((s, v) => s + v, 0) / raws.length;
}

/** Fewest labels an explicitly requested method accepts for a profile of this kind. */
export function minLabelsFor(kind: ProfileKind, method: FitMethod): number {
  let n = Math.max(MIN_FIT_LABELS, MIN_LABELS[method]);
  // Pairwise maps are measured by cross-validation, whose training splits must each hold the method's minimum;
  // pointwise maps are fitted on their share of the labels only.
  const fitting = (m: number): number => (kind === "pairwise" ? m - Math.ceil(m / CV_FOLDS) : fitCount(m));
  while (fitting(n) < MIN_LABELS[method]) n++;
  return n;
}

function fitCount(n: number): number {
  return Math.round(n * POINTWISE_FIT_SHARE);
}

/**
 * Fits every stage's map and certifies one threshold for the whole cascade (Jung, Brahman & Choi
 * 2024, tested jointly; see certifyCascade). Pairwise: maps (symmetric) fitted on every label, the
 * rule on the raw signal, so every label certifies it. Pointwise: a seeded random POINTWISE_FIT_SHARE
 * of the items fits the maps, the rest certify; when nothing is fitted (`auto` with too few labels)
 * every label certifies the raw rule. Throws CalibrationInputError for a method the labels cannot support.
 */
export function fitDecisionRule(
  kind: ProfileKind,
  judges: ReadonlyArray<JudgeLabels>,
  options: RuleOptions,
  path = (j: number) => (judges.length > 1 ? `judges[${j}].` : ""),
): DecisionRule {
  const y = judges[0]!.y;
  const n = y.length;
  const pooled = options.pooled ?? false;
  const signals = stageSignals(
    judges.map((j) => j.p),
    pooled,
  );
  const all = Array.from({ length: n }, (_, i) => i);
  const scale: ThresholdScale = kind === "pairwise" ? "raw" : "calibrated";
  let fitted = all;
  let certified = all;
  if (kind === "pointwise") {
    const order = permutation(mulberry32(0), n);
    fitted = order.slice(0, fitCount(n));
    certified = order.slice(fitCount(n));
  }
  const yFit = fitted.map((i) => y[i] as Label);
  const method = resolveMethod(kind, options.method, yFit, n, path(0));
  if (method === "identity") {
    fitted = [];
    certified = all;
  }
  const stages: RuleStage[] = signals.map((s) => ({
    method,
    model:
      method === "identity"
        ? {
            method: "identity",
            params: {},
            calibrated: false,
            reason: yFit.length < MIN_FIT_LABELS ? "too_few_labels" : "single_class",
            n_labels: 0,
            symmetric: kind === "pairwise",
          }
        : fitCalibrator(
            fitted.map((i) => s[i] as number),
            fitted.map((i) => y[i] as number),
            { method, symmetric: kind === "pairwise" },
          ).model,
  }));
  const cascade = certifyCascade(
    stages.map((stage, k) => {
      const x = certified.map((i) => decisionProbability(scale, stage.model, signals[k]![i] as number));
      return { confidence: x.map(pairwiseConfidence), agree: x.map((v, m) => pairwiseAgreement(v, y[certified[m] as number] as number)) };
    }),
    options.target,
  );
  return { kind, pooled, scale, stages, signals, fitted, certified, cascade };
}

/** `auto` resolved on the labels the maps are fitted on; an explicit method checked against them. */
function resolveMethod(kind: ProfileKind, requested: CalibrationMethod, yFit: ReadonlyArray<Label>, n: number, path: string): FitMethod | "identity" {
  const positives = yFit.reduce<number>((s, v) => s + v, 0);
  // Pairwise maps are fitted on both orientations, so one class is never a problem.
  const tooFewOfAClass = kind === "pointwise" && (positives === 0 || positives === yFit.length);
  if (requested === "auto") return yFit.length < MIN_FIT_LABELS || tooFewOfAClass ? "identity" : resolveAutoMethod(yFit.length);
  if (!Object.hasOwn(MIN_LABELS, requested)) throw new CalibrationInputError(`${path}method`, `unknown method "${String(requested)}"`);
  const min = minLabelsFor(kind, requested);
  if (n < min) throw new CalibrationInputError(`${path}examples`, `${requested} calibration needs at least ${min} examples, got ${n}`);
  if (tooFewOfAClass) throw new CalibrationInputError(`${path}examples`, `${requested} calibration needs both labels among the examples it is fitted on`);
  return requested;
}
