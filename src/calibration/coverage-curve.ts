import { pairwiseAgreement, pairwiseConfidence } from "./certify";
import { clopperPearsonUpper } from "./clopper-pearson";
import { reliabilityBins, type ReliabilityBin } from "./metrics";
import { decisionProbability, type DecisionRule } from "./rule";

/** At one threshold λ: what share of the items a judge would answer, and how often it would agree with people. */
interface CurvePoint {
  lambda: number;
  /** Share of the items reaching the judge whose confidence is ≥ λ. */
  coverage: number;
  n_accepted: number;
  /** Agreement on the accepted items; null when none is accepted. */
  agreement: number | null;
  /** Clopper–Pearson lower bound on that agreement at level 1 − δ, the bound certification tests. */
  agreement_lower: number | null;
}

/** What a profile keeps about one judge so that people can see its fit: beside its calibrated reliability bins. */
export interface StageDiagnostics {
  /** Reliability bins of the judge's raw signal, before any map. */
  raw_reliability: ReliabilityBin[];
  /** Coverage and agreement against λ on the items that reach the judge, as certification sees them. */
  coverage_curve: CurvePoint[];
}

/** λ from ½ (every item answered) to 1 in steps of 0.01, plus any threshold that must lie on the curve. */
function lambdaGrid(extra: ReadonlyArray<number> = []): number[] {
  const grid = Array.from({ length: 51 }, (_, i) => Math.round((0.5 + i * 0.01) * 100) / 100);
  return [...new Set([...grid, ...extra])].sort((a, b) => a - b);
}

/** Coverage and agreement (with its lower bound) of answering only items with confidence ≥ λ, for each λ. */
function coverageCurve(confidence: ReadonlyArray<number>, agree: ReadonlyArray<boolean>, delta: number, lambdas: ReadonlyArray<number>): CurvePoint[] {
  const n = confidence.length;
  return lambdas.map((lambda) => {
    let accepted = 0;
    let errors = 0;
    confidence.forEach((c, i) => {
      if (c < lambda) return;
      accepted++;
      if (!agree[i]) errors++;
    });
    return {
      lambda,
      coverage: n > 0 ? accepted / n : 0,
      n_accepted: accepted,
      agreement: accepted > 0 ? 1 - errors / accepted : null,
      agreement_lower: accepted > 0 ? 1 - clopperPearsonUpper(errors, accepted, delta) : null,
    };
  });
}

/**
 * Diagnostics of every judge of a profile, from the rule it certified: judge k's raw reliability
 * over every label, and its coverage curve over the certification items that reach it (every
 * earlier judge below the cascade's λ), with confidences on the scale the threshold applies to —
 * the same items and confidences certification tested, so the certified point lies on the curve.
 */
export function stageDiagnostics(rule: DecisionRule, y: ReadonlyArray<number>, delta: number): StageDiagnostics[] {
  const lambda = rule.cascade.lambda;
  let reaching = rule.certified;
  return rule.stages.map((stage, k) => {
    const signal = rule.signals[k]!;
    const x = reaching.map((i) => decisionProbability(rule.scale, stage.model, signal[i]!));
    const confidence = x.map(pairwiseConfidence);
    const agree = x.map((v, j) => pairwiseAgreement(v, y[reaching[j]!]!));
    const curve = coverageCurve(confidence, agree, delta, lambdaGrid(lambda === null ? [] : [lambda]));
    if (lambda !== null) reaching = reaching.filter((_, j) => confidence[j]! < lambda);
    return { raw_reliability: reliabilityBins(signal, y), coverage_curve: curve };
  });
}
