import { computeScores, hasPassed, type ScoredItem, type ScoredResult, type Scores } from "./scores";

/** Soft scores closer than this are equal: a tie, not an order. */
const EPSILON = 1e-9;

/**
 * `decisive` needs the winner to stay ahead with at least this probability when every verdict is
 * redrawn from the judge's own p(YES).
 */
const DECISIVE_PROBABILITY = 0.95;

/** `weighted`: verdicts only. `weighted_then_soft`: verdicts, then the soft score among verdict ties. */
export type RankBasis = "weighted" | "weighted_then_soft";

export interface GradedCandidate {
  index: number;
  items: ScoredItem[];
  results: ScoredResult[];
}

export interface Standing {
  index: number;
  scores: Scores;
  /** Every must-pass item YES; a candidate without it ranks below every candidate with it. */
  must_pass_met: boolean;
  passed: boolean;
  /** 1 + the number of candidates ranked strictly above; tied candidates share a rank. */
  rank: number;
}

type Ranked = Pick<Standing, "must_pass_met" | "scores">;

/**
 * Negative when `a` ranks above `b`, positive when below, 0 when they tie: the must-pass line, then
 * the weighted verdict score, then (with `bySoft`) the soft score. Verdicts come first, so a
 * candidate whose verdicts dominate another's (every item the other passes, and one more) always
 * ranks above it; p(YES) only orders what the verdicts leave tied.
 */
export function compareStandings(a: Ranked, b: Ranked, bySoft = false): number {
  if (a.must_pass_met !== b.must_pass_met) return a.must_pass_met ? -1 : 1;
  const weighted = b.scores.weighted - a.scores.weighted;
  if (Math.abs(weighted) > EPSILON) return weighted;
  if (!bySoft) return 0;
  const soft = b.scores.soft! - a.scores.soft!;
  return Math.abs(soft) <= EPSILON ? 0 : soft;
}

export interface Ranking {
  basis: RankBasis;
  /** Best first; tied candidates in request order. */
  standings: Standing[];
  /** Indices of the candidates that share the first place (one when there is no tie). */
  tiedAtTop: number[];
}

/**
 * Ranks graded candidates as TICK does (Cook et al., 2024): a failed must-pass item ranks below
 * everything that meets them all, then the weighted verdict score decides. When every candidate has
 * p(YES) for every item, the soft score orders candidates whose verdicts tie; with one missing,
 * ties stay ties, since soft scores of some candidates cannot be set against others' verdicts.
 */
export function rankCandidates(candidates: GradedCandidate[], threshold: number): Ranking {
  const unranked = candidates.map((c) => {
    const scores = computeScores(c.items, c.results);
    return {
      index: c.index,
      scores,
      must_pass_met: c.items.every((item, i) => !item.must_pass || c.results[i]?.verdict === "YES"),
      passed: hasPassed(c.items, c.results, scores.weighted, threshold),
      rank: 0,
    };
  });
  const bySoft = unranked.every((s) => s.scores.soft !== null);
  const compare = (a: Ranked, b: Ranked) => compareStandings(a, b, bySoft);
  const standings = [...unranked].sort((a, b) => compare(a, b) || a.index - b.index);
  for (const s of standings) s.rank = 1 + standings.filter((o) => compare(o, s) < 0).length;
  const tiedAtTop = standings.filter((s) => compare(s, standings[0]!) === 0).map((s) => s.index);
  return { basis: bySoft ? "weighted_then_soft" : "weighted", standings, tiedAtTop };
}

/**
 * The distribution of (must-pass met, Σ weight of YES items) when each item is YES with its
 * p(YES), independently. Weights are integers (1–100), so the sums are exact.
 */
function verdictDistribution(items: ScoredItem[], results: ScoredResult[]): [Float64Array, Float64Array] {
  const total = items.reduce((s, item) => s + Math.round(item.weight), 0);
  let met = new Float64Array(total + 1);
  let failed = new Float64Array(total + 1);
  met[0] = 1;
  items.forEach((item, i) => {
    const p = results[i]!.p_yes!;
    const w = Math.round(item.weight);
    const nextMet = new Float64Array(total + 1);
    const nextFailed = new Float64Array(total + 1);
    for (let s = 0; s <= total - w; s++) {
      nextMet[s + w]! += met[s]! * p;
      nextFailed[s + w]! += failed[s]! * p;
      (item.must_pass ? nextFailed : nextMet)[s]! += met[s]! * (1 - p);
      nextFailed[s]! += failed[s]! * (1 - p);
    }
    met = nextMet;
    failed = nextFailed;
  });
  return [met, failed];
}

/**
 * P(`a` ranks strictly above `b` on verdicts) when every verdict of both is redrawn from the
 * judge's own p(YES), independently: the estimator behind `decisive`. Both are graded on the same
 * checklist, so their weighted scores compare as their sums of weights.
 */
export function probabilityAhead(a: GradedCandidate, b: GradedCandidate): number {
  const [aMet, aFailed] = verdictDistribution(a.items, a.results);
  const [bMet, bFailed] = verdictDistribution(b.items, b.results);
  const below = (dist: Float64Array): Float64Array => {
    const cumulative = new Float64Array(dist.length + 1);
    for (let s = 0; s < dist.length; s++) cumulative[s + 1] = cumulative[s]! + dist[s]!;
    return cumulative; // cumulative[s] = P(sum < s)
  };
  const bMetBelow = below(bMet);
  const bFailedBelow = below(bFailed);
  const bFailedTotal = bFailedBelow[bFailed.length]!;
  let p = 0;
  for (let s = 0; s < aMet.length; s++) {
    p += aMet[s]! * (bFailedTotal + bMetBelow[Math.min(s, bMet.length)]!);
    p += aFailed[s]! * bFailedBelow[Math.min(s, bFailed.length)]!;
  }
  return Math.min(1, p);
}

/**
 * How far the winner stands from the runner-up. `margin`: the difference of their weighted scores
 * (≤ 0 across the must-pass line, which outranks any score). `p_ahead`: with p(YES) for every item
 * of both, the probability that the winner would still rank strictly above the runner-up on
 * verdicts redrawn from the judge's own p(YES) (probabilityAhead); null without. `decisive`:
 * p_ahead ≥ 0.95; without p(YES), where verdicts are all there is, the winner strictly ahead on
 * them. A verdict tie is never decisive without p(YES), and rarely with it.
 */
export function separation(
  winner: GradedCandidate & Ranked,
  runnerUp: GradedCandidate & Ranked,
): { margin: number; p_ahead: number | null; decisive: boolean } {
  const margin = winner.scores.weighted - runnerUp.scores.weighted;
  const known = [winner, runnerUp].every((c) => c.results.every((r) => r.p_yes !== null));
  if (!known) return { margin, p_ahead: null, decisive: compareStandings(winner, runnerUp) < 0 };
  const p_ahead = probabilityAhead(winner, runnerUp);
  return { margin, p_ahead, decisive: p_ahead >= DECISIVE_PROBABILITY };
}
