import { certifyThreshold, type Certificate, type CertifyOptions } from './certify.js';
import { CalibrationInputError } from './errors.js';

/** One judge's view of the same labelled items: confidence in its pick, and whether the pick matched people. */
export interface CascadeJudge {
  name?: string;
  confidence: ReadonlyArray<number>;
  agree: ReadonlyArray<boolean>;
}

export interface CascadeStage {
  judge: number;
  name?: string;
  /** Null when the judge could not be certified on the items reaching it; it then decides nothing. */
  certificate: Certificate | null;
  n_reaching: number;
  n_decided: number;
}

export interface CascadeOutcome {
  /** Per judge, its certified threshold or null. */
  lambdas: Array<number | null>;
  n_items: number;
  n_decided: number;
  /** Share of items decided by some judge. */
  coverage: number;
  /** Agreement with people on the decided items; null when nothing was decided. */
  agreement: number | null;
  /** Items decided by each judge. */
  decided_by_judge: number[];
}

export interface CascadeCertification extends CascadeOutcome {
  stages: CascadeStage[];
}

/**
 * Certifies a cascade of judges (Jung, Brahman & Choi 2024): judge 1 is certified on all items;
 * the items it abstains on (confidence < λ₁, or all of them when it cannot be certified) go to
 * judge 2, which is certified on just those; and so on. Each stage carries its own (α, δ)
 * guarantee on the items that reach it; when every stage's guarantee holds, the decided items as
 * a whole, a mixture of sets with error ≤ α, have error ≤ α too.
 */
export function certifyCascade(judges: ReadonlyArray<CascadeJudge>, options: CertifyOptions): CascadeCertification {
  const n = assertAligned(judges);
  let reaching = Array.from({ length: n }, (_, i) => i);
  const stages: CascadeStage[] = judges.map((judge, j) => {
    const certificate = certifyThreshold(
      reaching.map((i) => judge.confidence[i] as number),
      reaching.map((i) => judge.agree[i] as boolean),
      options,
    );
    const stage: CascadeStage = { judge: j, certificate, n_reaching: reaching.length, n_decided: 0 };
    if (judge.name !== undefined) stage.name = judge.name;
    if (certificate !== null) {
      const rest = reaching.filter((i) => (judge.confidence[i] as number) < certificate.lambda);
      stage.n_decided = reaching.length - rest.length;
      reaching = rest;
    }
    return stage;
  });
  return { stages, ...evaluateCascade(stages.map((s) => s.certificate?.lambda ?? null), judges) };
}

/**
 * Applies certified thresholds to labelled items (e.g. a held-out test set): routes every item and
 * reports coverage and agreement on the decided ones.
 */
export function evaluateCascade(lambdas: ReadonlyArray<number | null>, judges: ReadonlyArray<CascadeJudge>): CascadeOutcome {
  const n = assertAligned(judges);
  if (lambdas.length !== judges.length) throw new CalibrationInputError('lambdas', `must have one entry per judge (${judges.length})`);
  const decidedBy = new Array<number>(judges.length).fill(0);
  let decided = 0;
  let agreed = 0;
  for (let i = 0; i < n; i++) {
    const route = routeItem(lambdas, (j) => judges[j]?.confidence[i] as number);
    if (route.decided_by === null) continue;
    decided++;
    decidedBy[route.decided_by] = (decidedBy[route.decided_by] as number) + 1;
    if (judges[route.decided_by]?.agree[i]) agreed++;
  }
  return {
    lambdas: [...lambdas],
    n_items: n,
    n_decided: decided,
    coverage: n > 0 ? decided / n : 0,
    agreement: decided > 0 ? agreed / decided : null,
    decided_by_judge: decidedBy,
  };
}

/**
 * Routes one item through certified thresholds: the first judge whose confidence reaches its λ
 * decides; judges without a certificate are skipped. Confidences may be given lazily, so a caller
 * can run an expensive judge only when every earlier one abstained.
 */
export function routeItem(
  lambdas: ReadonlyArray<number | null>,
  confidence: ReadonlyArray<number> | ((judge: number) => number),
): { decided_by: number; confidence: number } | { decided_by: null } {
  const confidenceOf = typeof confidence === 'function' ? confidence : (j: number) => confidence[j] as number;
  for (let j = 0; j < lambdas.length; j++) {
    const lambda = lambdas[j];
    if (lambda === null || lambda === undefined) continue;
    const c = confidenceOf(j);
    if (typeof c !== 'number' || Number.isNaN(c)) throw new CalibrationInputError(`confidence[${j}]`, 'must be a number');
    if (c >= lambda) return { decided_by: j, confidence: c };
  }
  return { decided_by: null };
}

function assertAligned(judges: ReadonlyArray<CascadeJudge>): number {
  if (!Array.isArray(judges) || judges.length === 0) throw new CalibrationInputError('judges', 'must be a non-empty array');
  const n = judges[0]?.confidence.length ?? 0;
  judges.forEach((judge, j) => {
    if (judge.confidence.length !== n) throw new CalibrationInputError(`judges[${j}].confidence`, `must have ${n} entries like judges[0]`);
    if (judge.agree.length !== n) throw new CalibrationInputError(`judges[${j}].agree`, `must have ${n} entries`);
  });
  return n;
}
