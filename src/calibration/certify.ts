import { clopperPearsonUpper } from "./clopper-pearson";
import { CalibrationInputError } from "./errors";
import { assertIntegerAtLeast, assertOpenUnit, assertProbabilities } from "./validate";

/** Below 30 accepted items even zero errors bound the error rate only loosely (1 − δ^(1/n)). */
export const DEFAULT_MIN_ACCEPTED = 30;
/**
 * Nor is a threshold tested that accepts less than this share of the items. The first tests decide
 * the whole sequence, and on a few dozen of the most confident items two or three confident
 * mistakes end it; a profile that can answer only a sliver of its items is of little use anyway.
 */
const MIN_ACCEPTED_SHARE = 0.1;

/**
 * The thresholds tested, fixed before any data is seen: 1, 0.99, …, 0.50. A grid fixed in
 * advance is what fixed-sequence testing assumes. It is also stronger than testing at every
 * item's own confidence: judges pile their confidences near 1, and testing the most confident
 * 30 items alone fails on two or three confident mistakes, which ends the sequence at its start;
 * a grid step takes in the whole pile at once.
 */
export const THRESHOLD_GRID: ReadonlyArray<number> = Array.from({ length: 51 }, (_, k) => (100 - k) / 100);

export interface CertifyOptions {
  /** Target error rate: certified agreement is ≥ 1 − α. */
  alpha: number;
  /** Allowed failure probability of the guarantee. */
  delta: number;
  /** Thresholds accepting fewer items are skipped (not tested); default the larger of 30 and a tenth of the items. */
  minAccepted?: number;
  /**
   * Candidate thresholds, tested from high to low; default THRESHOLD_GRID. They must be fixed
   * without looking at the items being certified.
   */
  candidates?: ReadonlyArray<number>;
}

export interface Certificate {
  lambda: number;
  /** Share of the certification items decided at λ. */
  coverage: number;
  /** Certification items: those routed through the stages. */
  n_items: number;
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

/** One stage's view of the certification items: its confidence in its pick, and whether the pick matched people. */
export interface StageScores {
  confidence: ReadonlyArray<number>;
  agree: ReadonlyArray<boolean>;
}

/**
 * Fixed-sequence testing of one abstention threshold for a whole cascade of stages (Jung, Brahman
 * & Choi 2024, "Trust or Escalate", arXiv 2407.18370, tested jointly rather than per stage). At a
 * threshold λ an item is decided by the first stage whose confidence reaches λ, and abstained on
 * when none does. For each λ from high to low, the null hypothesis "the decided items' error rate
 * exceeds α" is rejected when the exact Clopper–Pearson upper bound at level 1 − δ is ≤ α; testing
 * stops at the first non-rejection, which lets every test run at the full δ. The guarantee thus
 * covers the cascade as a whole, with one δ, for items routed from its first stage. A single judge
 * is a cascade of one.
 */
export function fixedSequenceTest(stages: ReadonlyArray<StageScores>, options: CertifyOptions): { certificate: Certificate | null; steps: TestStep[] } {
  const n = assertStages(stages);
  const { alpha, delta } = options;
  assertOpenUnit(alpha, "alpha");
  assertOpenUnit(delta, "delta");
  const minAccepted = options.minAccepted ?? Math.max(DEFAULT_MIN_ACCEPTED, Math.ceil(n * MIN_ACCEPTED_SHARE));
  assertIntegerAtLeast(minAccepted, 1, "minAccepted");
  if (options.candidates) assertProbabilities(options.candidates, "candidates");
  const candidates = [...new Set(options.candidates ?? THRESHOLD_GRID)].sort((a, b) => b - a);

  const steps: TestStep[] = [];
  let certificate: Certificate | null = null;
  for (const lambda of candidates) {
    let accepted = 0;
    let errors = 0;
    for (let i = 0; i < n; i++) {
      const stage = stages.find((s) => (s.confidence[i] as number) >= lambda);
      if (stage === undefined) continue;
      accepted++;
      if (!stage.agree[i]) errors++;
    }
    if (accepted < minAccepted) continue;
    const upper = clopperPearsonUpper(errors, accepted, delta);
    const passed = upper <= alpha;
    steps.push({ lambda, n_accepted: accepted, errors, upper_bound: upper, passed });
    if (!passed) break;
    certificate = { lambda, coverage: accepted / n, n_items: n, n_accepted: accepted, errors, upper_bound: upper, alpha, delta };
  }
  return { certificate, steps };
}

/**
 * The lowest threshold certified by fixedSequenceTest for one judge, or null when even the first
 * tested threshold fails (or no threshold accepts minAccepted items). Never returns an untested or
 * failed threshold.
 */
export function certifyThreshold(confidence: ReadonlyArray<number>, agree: ReadonlyArray<boolean>, options: CertifyOptions): Certificate | null {
  return fixedSequenceTest([{ confidence, agree }], options).certificate;
}

/**
 * Confidence of a two-way pick in the answer it picked: max(p, 1 − p), where p is the probability
 * of the first answer.
 */
export function pairwiseConfidence(p: number): number {
  return Math.max(p, 1 - p);
}

/** Whether the pick (first answer iff p ≥ ½) matches the label (1 = first). */
export function pairwiseAgreement(p: number, label: number): boolean {
  return (p >= 0.5 ? 1 : 0) === label;
}

function assertStages(stages: ReadonlyArray<StageScores>): number {
  if (!Array.isArray(stages) || stages.length === 0) throw new CalibrationInputError("stages", "must be a non-empty array");
  const n = stages[0]!.confidence.length;
  stages.forEach((s, k) => {
    const path = stages.length > 1 ? `stages[${k}].` : "";
    assertProbabilities(s.confidence, `${path}confidence`);
    if (s.confidence.length !== n) throw new CalibrationInputError(`${path}confidence`, `must have ${n} entries like the first stage`);
    const agree: ReadonlyArray<unknown> = s.agree;
    if (!Array.isArray(agree) || agree.length !== n) throw new CalibrationInputError(`${path}agree`, `must be an array of ${n} booleans`);
    agree.forEach((v, i) => {
      if (typeof v !== "boolean") throw new CalibrationInputError(`${path}agree[${i}]`, "must be a boolean");
    });
  });
  return n;
}
