import { applyCalibrator, type CalibratorModel } from "./calibrators";
import { pairwiseConfidence } from "./certify";
import type { ThresholdView } from "./profile";
import { decisionProbability, type ProfileKind, type ThresholdScale } from "./rule";

type Verdict = "pass" | "fail" | "a" | "b";
type DecisionReason = "certified" | "below_threshold" | "no_certified_threshold" | "signal_mismatch";

interface Guarantee {
  /** With probability ≥ `probability`, agreement with people on the answered items is ≥ this. */
  agreement_at_least: number;
  probability: number;
  alpha: number;
  delta: number;
}

export interface Decision {
  p_raw: number;
  /** Null when the signal is not the one the profile was fitted on: no map applies to it. */
  p_calibrated: number | null;
  verdict: Verdict;
  /** max(x, 1 − x) of the probability the threshold applies to (see ThresholdView.scale). */
  confidence: number;
  abstain: boolean;
  reason: DecisionReason;
  threshold: number | null;
  /** Present only when the judge answers: the guarantee covers answered items. */
  guarantee: Guarantee | null;
}

export interface DecisionStage {
  model: CalibratorModel;
  threshold: Pick<ThresholdView, "lambda" | "alpha" | "delta"> | null;
  /** What the threshold is compared with (see decisionProbability). */
  scale: ThresholdScale;
}

const verdictOf = (kind: ProfileKind, x: number): Verdict => (kind === "pairwise" ? (x >= 0.5 ? "a" : "b") : x >= 0.5 ? "pass" : "fail");

/**
 * The calibrated probability of one raw signal under one profile stage, and whether the judge
 * answers: it does when its confidence reaches the certified threshold λ; with no certified
 * threshold it always abstains. Shared by evaluations, comparisons and /v1/confidence.
 */
export function decideConfidence(kind: ProfileKind, stage: DecisionStage, pRaw: number): Decision {
  const q = applyCalibrator(stage.model, pRaw);
  const t = stage.threshold;
  const x = decisionProbability(stage.scale, stage.model, pRaw);
  const confidence = pairwiseConfidence(x);
  const base = { p_raw: pRaw, p_calibrated: q, verdict: verdictOf(kind, x), confidence };
  if (t === null) return { ...base, abstain: true, reason: "no_certified_threshold", threshold: null, guarantee: null };
  if (confidence < t.lambda) return { ...base, abstain: true, reason: "below_threshold", threshold: t.lambda, guarantee: null };
  return {
    ...base,
    abstain: false,
    reason: "certified",
    threshold: t.lambda,
    guarantee: { agreement_at_least: 1 - t.alpha, probability: 1 - t.delta, alpha: t.alpha, delta: t.delta },
  };
}

/**
 * The answer for a signal other than the one the profile was fitted on (an evaluation graded
 * without logprobs against a profile fitted on soft scores): its raw score, and an abstention. A
 * map fitted to one signal says nothing about another, so nothing is calibrated or certified.
 */
export function foreignSignal(kind: ProfileKind, pRaw: number): Decision {
  return {
    p_raw: pRaw,
    p_calibrated: null,
    verdict: verdictOf(kind, pRaw),
    confidence: pairwiseConfidence(pRaw),
    abstain: true,
    reason: "signal_mismatch",
    threshold: null,
    guarantee: null,
  };
}
