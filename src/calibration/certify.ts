import { clopperPearsonUpper } from './clopper-pearson.js';
import { CalibrationInputError } from './errors.js';
import { assertIntegerAtLeast, assertOpenUnit, assertProbabilities } from './validate.js';

/** Below 30 accepted items even zero errors bound the error rate only loosely (1 − δ^(1/n)). */
export const DEFAULT_MIN_ACCEPTED = 30;

export interface CertifyOptions {
  /** Target error rate: certified agreement is ≥ 1 − α. */
  alpha: number;
  /** Allowed failure probability of the guarantee. */
  delta: number;
  /** Thresholds accepting fewer items are skipped (not tested); default 30. */
  minAccepted?: number;
  /**
   * Candidate thresholds. They must be fixed without looking at the agreement labels (a grid, or
   * the confidences themselves, which is the default). Tested from high to low.
   */
  candidates?: ReadonlyArray<number>;
}

export interface Certificate {
  lambda: number;
  /** Share of the certification items with confidence ≥ λ. */
  coverage: number;
  n_accepted: number;
  errors: number;
  /** Clopper–Pearson upper bound (level 1 − δ) on the error rate of the accepted items; ≤ α. */
  upper_bound: number;
  alpha: number;
  delta: number;
}

export interface TestStep {
  lambda: number;
  n_accepted: number;
  errors: number;
  upper_bound: number;
  passed: boolean;
}

/**
 * Fixed-sequence testing of abstention thresholds (Jung, Brahman & Choi 2024, "Trust or Escalate",
 * arXiv 2407.18370). For each candidate λ from high to low, the items with confidence ≥ λ are the
 * ones the judge would answer; the null hypothesis "their error rate exceeds α" is rejected when
 * the exact Clopper–Pearson upper bound at level 1 − δ is ≤ α. Testing stops at the first
 * non-rejection, which is what lets every test run at the full level δ without a
 * multiple-testing correction. Returns every test performed and the lowest certified threshold.
 */
export function fixedSequenceTest(
  confidence: ReadonlyArray<number>,
  agree: ReadonlyArray<boolean>,
  options: CertifyOptions,
): { certificate: Certificate | null; steps: TestStep[] } {
  assertProbabilities(confidence, 'confidence');
  if (!Array.isArray(agree) || agree.length !== confidence.length) {
    throw new CalibrationInputError('agree', `must be an array of ${confidence.length} booleans`);
  }
  agree.forEach((v, i) => {
    if (typeof v !== 'boolean') throw new CalibrationInputError(`agree[${i}]`, 'must be a boolean');
  });
  const { alpha, delta } = options;
  assertOpenUnit(alpha, 'alpha');
  assertOpenUnit(delta, 'delta');
  const minAccepted = options.minAccepted ?? DEFAULT_MIN_ACCEPTED;
  assertIntegerAtLeast(minAccepted, 1, 'minAccepted');
  if (options.candidates) assertProbabilities(options.candidates, 'candidates');

  const order = confidence.map((_, i) => i).sort((i, j) => (confidence[j] as number) - (confidence[i] as number));
  const sorted = order.map((i) => confidence[i] as number);
  const candidates = [...new Set(options.candidates ?? confidence)].sort((a, b) => b - a);

  const steps: TestStep[] = [];
  let certificate: Certificate | null = null;
  let accepted = 0;
  let errors = 0;
  for (const lambda of candidates) {
    while (accepted < sorted.length && (sorted[accepted] as number) >= lambda) {
      if (!agree[order[accepted] as number]) errors++;
      accepted++;
    }
    if (accepted < minAccepted) continue;
    const upper = clopperPearsonUpper(errors, accepted, delta);
    const passed = upper <= alpha;
    steps.push({ lambda, n_accepted: accepted, errors, upper_bound: upper, passed });
    if (!passed) break;
    certificate = { lambda, coverage: accepted / sorted.length, n_accepted: accepted, errors, upper_bound: upper, alpha, delta };
  }
  return { certificate, steps };
}

/**
 * The lowest threshold certified by fixedSequenceTest, or null when even the first tested
 * threshold fails (or no threshold accepts minAccepted items). Never returns an untested or
 * failed threshold.
 */
export function certifyThreshold(
  confidence: ReadonlyArray<number>,
  agree: ReadonlyArray<boolean>,
  options: CertifyOptions,
): Certificate | null {
  return fixedSequenceTest(confidence, agree, options).certificate;
}

/**
 * Confidence of a pairwise judge in the answer it picked: max(p, 1 − p), where p is its
 * probability that the first response wins.
 */
export function pairwiseConfidence(p: number): number {
  return Math.max(p, 1 - p);
}

/** Whether the pairwise judge's pick (first response iff p ≥ ½) matches the human label (1 = first). */
export function pairwiseAgreement(p: number, label: number): boolean {
  return (p >= 0.5 ? 1 : 0) === label;
}
