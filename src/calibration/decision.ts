import { applyCalibrator, type CalibratorModel } from './calibrators.js';
import { pairwiseConfidence } from './certify.js';
import type { ProfileKind, ThresholdView } from './profile.js';

export type Verdict = 'pass' | 'fail' | 'a' | 'b';
export type DecisionReason = 'certified' | 'below_threshold' | 'no_certified_threshold';

export interface Guarantee {
  /** With probability ≥ `probability`, agreement with people on the answered items is ≥ this. */
  agreement_at_least: number;
  probability: number;
  alpha: number;
  delta: number;
}

export interface Decision {
  p_raw: number;
  p_calibrated: number;
  verdict: Verdict;
  /** max(p_calibrated, 1 − p_calibrated): the confidence compared with the threshold. */
  confidence: number;
  abstain: boolean;
  reason: DecisionReason;
  threshold: number | null;
  /** Present only when the judge answers: the guarantee covers answered items. */
  guarantee: Guarantee | null;
}

export interface DecisionStage {
  model: CalibratorModel;
  threshold: ThresholdView | null;
}

/**
 * The calibrated confidence of one raw signal under one profile stage, and whether the judge
 * answers: it does when its confidence reaches the certified threshold λ; with no certified
 * threshold it always abstains. Shared by evaluations, comparisons and /v1/confidence.
 */
export function decideConfidence(kind: ProfileKind, stage: DecisionStage, pRaw: number): Decision {
  const q = applyCalibrator(stage.model, pRaw);
  const verdict: Verdict = kind === 'pairwise' ? (q >= 0.5 ? 'a' : 'b') : q >= 0.5 ? 'pass' : 'fail';
  const confidence = pairwiseConfidence(q);
  const t = stage.threshold;
  const base = { p_raw: pRaw, p_calibrated: q, verdict, confidence };
  if (t === null) return { ...base, abstain: true, reason: 'no_certified_threshold', threshold: null, guarantee: null };
  if (confidence < t.lambda) return { ...base, abstain: true, reason: 'below_threshold', threshold: t.lambda, guarantee: null };
  return {
    ...base,
    abstain: false,
    reason: 'certified',
    threshold: t.lambda,
    guarantee: { agreement_at_least: 1 - t.alpha, probability: 1 - t.delta, alpha: t.alpha, delta: t.delta },
  };
}
