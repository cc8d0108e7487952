/**
 * Simulated judges whose truth is known, for checking certified abstention against it.
 *
 * Every item has a latent z; people prefer the positive outcome with probability σ(z), which the
 * simulation knows and the code under test never sees. A judge reports p = σ(c·(z + ε) + b): its
 * noise ε ~ N(0, σ²), its over-confidence (c > 1: p more extreme than the truth), its lean b. A
 * single judge with σ = 0 and c = 1 is exactly calibrated. The true risk of a decision rule is its
 * error rate on a large population drawn once per world, each decided item counting the probability
 * that people disagree with its pick — not a sampled label.
 */
import {
  certifyCascade,
  decisionProbability,
  fitCalibrator,
  fitDecisionRule,
  logit,
  mulberry32,
  pairwiseAgreement,
  pairwiseConfidence,
  permutation,
  pooledSignal,
  resolveAutoMethod,
  sigmoid,
  stageSignals,
  type CalibrationMethod,
  type DecisionRule,
  type Label,
  type ProfileKind,
  type Rng,
} from "../src/calibration/index";

export interface JudgeModel {
  /** Noise on the latent z. */
  noise: number;
  /** Scale of the reported logit: > 1 over-confident, < 1 under-confident. */
  scale: number;
  /** Lean of the reported logit (pointwise judges that pass too easily, or too rarely). */
  lean: number;
}

export interface World {
  name: string;
  kind: ProfileKind;
  /** Spread of the latent z across items: z ~ N(0, spread²); or `uniform`, z = logit(U), so σ(z) is uniform on [0, 1]. */
  spread: number | "uniform";
  /** One judge, or a cascade, cheapest first. */
  judges: JudgeModel[];
  pooled?: boolean;
}

const normal = (rng: Rng): number => Math.sqrt(-2 * Math.log(Math.max(rng(), 1e-300))) * Math.cos(2 * Math.PI * rng());

/** n items of a world: every judge's p and the true probability of the positive outcome. */
export function drawItems(world: World, n: number, rng: Rng): { p: number[][]; truth: number[] } {
  const p = world.judges.map(() => new Array<number>(n));
  const truth = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const z = world.spread === "uniform" ? logit(rng()) : world.spread * normal(rng);
    truth[i] = sigmoid(z);
    world.judges.forEach((j, k) => {
      // Pairwise judges do not lean: swapping the responses must mirror their answer.
      const lean = world.kind === "pairwise" ? 0 : j.lean;
      p[k]![i] = sigmoid(j.scale * (z + j.noise * normal(rng)) + lean);
    });
  }
  return { p, truth };
}

export interface Population {
  p: number[][];
  truth: number[];
}

export function population(world: World, size: number, seed: number): Population {
  return drawItems(world, size, mulberry32(seed));
}

/** True coverage and risk of a rule at its certified threshold: routed over the population, each decided item counting P(people disagree with its pick). */
export function trueOutcome(rule: DecisionRule, pop: Population): { coverage: number; risk: number } {
  const lambda = rule.cascade.lambda;
  if (lambda === null) return { coverage: 0, risk: 0 };
  const signals = rule.pooled ? pop.p.map((_, k) => pop.truth.map((_, i) => pop.p.slice(0, k + 1).reduce((s, p) => s + (p[i] as number), 0) / (k + 1))) : pop.p;
  let decided = 0;
  let wrong = 0;
  for (let i = 0; i < pop.truth.length; i++) {
    for (let k = 0; k < rule.stages.length; k++) {
      const x = decisionProbability(rule.scale, rule.stages[k]!.model, signals[k]![i] as number);
      if (pairwiseConfidence(x) < lambda) continue;
      decided++;
      const t = pop.truth[i] as number;
      wrong += x >= 0.5 ? 1 - t : t;
      break;
    }
  }
  return { coverage: decided / pop.truth.length, risk: decided ? wrong / decided : 0 };
}

/**
 * The rule as it was fitted before certification held labels back: each map fitted on every label
 * and the threshold certified on the same labels (on the same grid). Not valid — the map's
 * in-sample optimism enters the test — and kept here only to measure what validity costs.
 */
export function inSampleRule(
  kind: ProfileKind,
  judges: { p: number[]; y: Label[] }[],
  options: { method: CalibrationMethod; target: { alpha: number; delta: number }; pooled: boolean },
): DecisionRule {
  const y = judges[0]!.y;
  const all = y.map((_, i) => i);
  const signals = stageSignals(
    judges.map((j) => j.p),
    options.pooled,
  );
  const method = options.method === "auto" ? resolveAutoMethod(y.length) : options.method;
  const stages = signals.map((s) => {
    const model = fitCalibrator(s, y, { method: method === "identity" ? "auto" : method, symmetric: kind === "pairwise" }).model;
    return { method: model.method, model };
  });
  const cascade = certifyCascade(
    stages.map((stage, k) => {
      const x = signals[k]!.map((v) => decisionProbability("calibrated", stage.model, v));
      return { confidence: x.map(pairwiseConfidence), agree: x.map((v, i) => pairwiseAgreement(v, y[i] as number)) };
    }),
    options.target,
  );
  return { kind, pooled: options.pooled, scale: "calibrated", stages, signals, fitted: all, certified: all, cascade };
}

/** The probability the deciding stage picks on for an item with these raw signals, or null when every stage abstains. */
export function decideItem(rule: DecisionRule, raws: ReadonlyArray<number>): number | null {
  const lambda = rule.cascade.lambda;
  if (lambda === null) return null;
  for (let k = 0; k < rule.stages.length; k++) {
    const signal = rule.pooled ? pooledSignal(raws.slice(0, k + 1)) : (raws[k] as number);
    const x = decisionProbability(rule.scale, rule.stages[k]!.model, signal);
    if (pairwiseConfidence(x) >= lambda) return x;
  }
  return null;
}

export interface CellResult {
  runs: number;
  certified: number;
  /** Runs whose true risk at the returned λ exceeds α. */
  violations: number;
  coverage: number;
  risk: number;
}

/**
 * `runs` fresh labelled samples of n items from the world; each fits and certifies a rule exactly
 * as POST /v1/calibrations does (labels drawn from the truth), and is scored against the truth.
 */
export function runCell(
  world: World,
  pop: Population,
  cell: { n: number; alpha: number; delta: number; method: CalibrationMethod; runs: number; seed: number; inSample?: boolean },
): CellResult {
  const rng = mulberry32(cell.seed);
  const out: CellResult = { runs: cell.runs, certified: 0, violations: 0, coverage: 0, risk: 0 };
  for (let r = 0; r < cell.runs; r++) {
    const { p, truth } = drawItems(world, cell.n, rng);
    const y = truth.map((t) => (rng() < t ? 1 : 0) as Label);
    const options = { method: cell.method, target: { alpha: cell.alpha, delta: cell.delta }, pooled: world.pooled ?? false };
    const judges = p.map((pk) => ({ p: pk, y }));
    const rule = cell.inSample ? inSampleRule(world.kind, judges, options) : fitDecisionRule(world.kind, judges, options);
    const t = trueOutcome(rule, pop);
    if (rule.cascade.lambda !== null) out.certified++;
    if (t.risk > cell.alpha) out.violations++;
    out.coverage += t.coverage / cell.runs;
    out.risk += t.risk / cell.runs;
  }
  return out;
}

const single = (scale: number, lean = 0): JudgeModel[] => [{ noise: 0, scale, lean }];

/**
 * Judges whose p is exactly calibrated, over-confident (p more extreme than the truth) and
 * under-confident; and, pointwise only, one that passes too easily (its p is the truth shifted up).
 */
export const SINGLE_JUDGES = { calibrated: single(1), overconfident: single(2), underconfident: single(0.5), lenient: single(1, 1.5) } as const;

/** A cheap, noisy, over-confident judge; a middling one; a strong, under-confident one. */
export const CASCADE_JUDGES: JudgeModel[] = [
  { noise: 1.5, scale: 2, lean: 0.5 },
  { noise: 0.8, scale: 1, lean: -0.3 },
  { noise: 0.3, scale: 0.7, lean: 0.2 },
];

export const SPREAD = 2;

/**
 * The protocol of bench:calibration — a pool of labelled items split at random into a calibration
 * part and a held-out part — run in a world whose truth is known. Returns the shares of splits
 * whose risk at the returned λ exceeds α on the held-out part, over the whole pool, and in truth.
 */
export function finitePoolShares(
  world: World,
  pop: Population,
  options: { pools: number; splits: number; poolSize: number; calibrationSize: number; alpha: number; delta: number; seed: number },
): { held_out: number; pool: number; truth: number } {
  const rng = mulberry32(options.seed);
  const counts = { held_out: 0, pool: 0, truth: 0 };
  const runs = options.pools * options.splits;
  for (let k = 0; k < options.pools; k++) {
    const { p, truth } = drawItems(world, options.poolSize, rng);
    const y = truth.map((t) => (rng() < t ? 1 : 0) as Label);
    for (let s = 0; s < options.splits; s++) {
      const order = permutation(rng, options.poolSize);
      const cal = order.slice(0, options.calibrationSize);
      const rule = fitDecisionRule(
        world.kind,
        p.map((pk) => ({ p: cal.map((i) => pk[i] as number), y: cal.map((i) => y[i] as Label) })),
        {
          method: "auto",
          target: { alpha: options.alpha, delta: options.delta },
          pooled: world.pooled ?? false,
        },
      );
      const sampleRisk = (items: number[]): number => {
        let decided = 0;
        let wrong = 0;
        for (const i of items) {
          const x = decideItem(
            rule,
            p.map((pk) => pk[i] as number),
          );
          if (x === null) continue;
          decided++;
          if ((x >= 0.5 ? 1 : 0) !== y[i]) wrong++;
        }
        return decided ? wrong / decided : 0;
      };
      if (sampleRisk(order.slice(options.calibrationSize)) > options.alpha) counts.held_out++;
      if (sampleRisk(order) > options.alpha) counts.pool++;
      if (trueOutcome(rule, pop).risk > options.alpha) counts.truth++;
    }
  }
  return { held_out: counts.held_out / runs, pool: counts.pool / runs, truth: counts.truth / runs };
}
