import { fixedSequenceTest, type Certificate, type CertifyOptions, type StageScores } from "./certify";
import { CalibrationInputError } from "./errors";

/** One judge's view of the same labelled items: confidence in its pick, and whether the pick matched people. */
export interface CascadeJudge extends StageScores {
  name?: string;
}

interface CascadeStage {
  judge: number;
  name?: string;
  /** Certification items that reach this judge (every earlier one abstained), that it decides, and that it decides against people. */
  n_reaching: number;
  n_decided: number;
  n_errors: number;
}

export interface CascadeOutcome {
  /** The one certified threshold every judge answers at, or null: then every judge abstains. */
  lambda: number | null;
  n_items: number;
  n_decided: number;
  /** Share of items decided by some judge. */
  coverage: number;
  /** Agreement with people on the decided items; null when nothing was decided. */
  agreement: number | null;
  /** Items decided by each judge, and those of them it decided against people. */
  decided_by_judge: number[];
  errors_by_judge: number[];
}

export interface CascadeCertification extends CascadeOutcome {
  certificate: Certificate | null;
  stages: CascadeStage[];
}

/**
 * Certifies a cascade of judges as a whole: one threshold λ, tested on every item routed from the
 * first judge (see fixedSequenceTest), so one δ covers every decision the cascade makes. Testing
 * each judge on what reaches it, at δ each, would hold for the cascade only with probability
 * 1 − Kδ, and reuse the labels that placed the earlier thresholds.
 */
export function certifyCascade(judges: ReadonlyArray<CascadeJudge>, options: CertifyOptions): CascadeCertification {
  assertAligned(judges);
  const { certificate } = fixedSequenceTest(judges, options);
  const outcome = evaluateCascade(certificate?.lambda ?? null, judges);
  let reaching = outcome.n_items;
  const stages = judges.map((judge, j) => {
    const n_decided = outcome.decided_by_judge[j] as number;
    const stage: CascadeStage = { judge: j, n_reaching: reaching, n_decided, n_errors: outcome.errors_by_judge[j] as number };
    if (judge.name !== undefined) stage.name = judge.name;
    reaching -= n_decided;
    return stage;
  });
  return { certificate, stages, ...outcome };
}

/**
 * Applies a certified threshold to labelled items (e.g. a held-out test set): routes every item and
 * reports coverage and agreement on the decided ones.
 */
export function evaluateCascade(lambda: number | null, judges: ReadonlyArray<CascadeJudge>): CascadeOutcome {
  const n = assertAligned(judges);
  const decidedBy = new Array<number>(judges.length).fill(0);
  const errorsBy = new Array<number>(judges.length).fill(0);
  for (let i = 0; i < n; i++) {
    const route = routeItem(
      lambda,
      judges.map((judge) => judge.confidence[i] as number),
    );
    if (route.decided_by === null) continue;
    decidedBy[route.decided_by]!++;
    if (!judges[route.decided_by]!.agree[i]) errorsBy[route.decided_by]!++;
  }
  const decided = decidedBy.reduce((s, v) => s + v, 0);
  const errors = errorsBy.reduce((s, v) => s + v, 0);
  return {
    lambda,
    n_items: n,
    n_decided: decided,
    coverage: n > 0 ? decided / n : 0,
    agreement: decided > 0 ? (decided - errors) / decided : null,
    decided_by_judge: decidedBy,
    errors_by_judge: errorsBy,
  };
}

/** Routes one item through a cascade certified at λ: the first judge whose confidence reaches λ decides. */
export function routeItem(lambda: number | null, confidence: ReadonlyArray<number>): { decided_by: number; confidence: number } | { decided_by: null } {
  if (lambda === null) return { decided_by: null };
  const j = confidence.findIndex((c) => c >= lambda);
  return j < 0 ? { decided_by: null } : { decided_by: j, confidence: confidence[j] as number };
}

function assertAligned(judges: ReadonlyArray<CascadeJudge>): number {
  if (!Array.isArray(judges) || judges.length === 0) throw new CalibrationInputError("judges", "must be a non-empty array");
  const n = judges[0]?.confidence.length ?? 0;
  judges.forEach((judge, j) => {
    if (judge.confidence.length !== n) throw new CalibrationInputError(`judges[${j}].confidence`, `must have ${n} entries like judges[0]`);
    if (judge.agree.length !== n) throw new CalibrationInputError(`judges[${j}].agree`, `must have ${n} entries`);
  });
  return n;
}
