import { computeScores, hasPassed, type ScoredItem, type ScoredResult, type Scores } from "./scores";

/**
 * z of the lower confidence bound candidates are ranked by when p(YES) is known: 1.645, a
 * one-sided 95% normal bound. Ranking by the bound rather than the mean is pessimism under
 * uncertainty: with many candidates, the one whose mean is highest is often the one whose verdicts
 * the judge was least sure of, and picking it over-optimises against the judge's noise.
 */
export const LOWER_BOUND_Z = 1.645;

/** Scores closer than this are equal: a tie, not an order. */
const EPSILON = 1e-9;

export type RankBasis = "soft_lower_bound" | "weighted";

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
  /** Standard deviation of the weighted score with each verdict a Bernoulli(p(YES)); null without p. */
  spread: number | null;
  /** The score ranked on: the soft score's lower bound, or the weighted score. */
  rank_score: number;
  /** 1 + the number of candidates ranked strictly above; tied candidates share a rank. */
  rank: number;
}

/** sqrt(Σ wᵢ² pᵢ (1 − pᵢ)) / Σ wᵢ, the spread of the weighted score if each verdict is a coin of p(YES). */
export function scoreSpread(items: ScoredItem[], results: ScoredResult[]): number | null {
  const total = items.reduce((sum, item) => sum + item.weight, 0);
  let variance = 0;
  for (let i = 0; i < items.length; i++) {
    const p = results[i]?.p_yes;
    if (p === null || p === undefined) return null;
    variance += items[i]!.weight ** 2 * p * (1 - p);
  }
  return total ? Math.sqrt(variance) / total : null;
}

/** Negative when `a` ranks above `b`, positive when below, 0 when they tie. */
export function compareStandings(a: Pick<Standing, "must_pass_met" | "rank_score">, b: Pick<Standing, "must_pass_met" | "rank_score">): number {
  if (a.must_pass_met !== b.must_pass_met) return a.must_pass_met ? -1 : 1;
  const diff = b.rank_score - a.rank_score;
  return Math.abs(diff) <= EPSILON ? 0 : diff;
}

export interface Ranking {
  basis: RankBasis;
  z: number;
  /** Best first; tied candidates in request order. */
  standings: Standing[];
  /** Indices of the candidates that share the first place (one when there is no tie). */
  tiedAtTop: number[];
}

/**
 * Ranks graded candidates: must-pass failures below everything that meets the must-pass items
 * (a failed must-pass item is unacceptable whatever else the response does), then by the soft
 * score's lower bound when every candidate has p(YES) for every item, else by the weighted score.
 * Mixing the two bases within one ranking would compare unlike quantities, so one missing p(YES)
 * puts every candidate on the weighted score.
 */
export function rankCandidates(candidates: GradedCandidate[], threshold: number, z = LOWER_BOUND_Z): Ranking {
  const graded = candidates.map((c) => {
    const scores = computeScores(c.items, c.results);
    return { c, scores, spread: scoreSpread(c.items, c.results) };
  });
  const basis: RankBasis = graded.every((g) => g.scores.soft !== null && g.spread !== null) ? "soft_lower_bound" : "weighted";
  const unranked = graded.map(({ c, scores, spread }) => ({
    index: c.index,
    scores,
    must_pass_met: c.items.every((item, i) => !item.must_pass || c.results[i]?.verdict === "YES"),
    passed: hasPassed(c.items, c.results, scores.weighted, threshold),
    spread,
    rank_score: basis === "soft_lower_bound" ? scores.soft! - z * spread! : scores.weighted,
    rank: 0,
  }));
  const standings = [...unranked].sort((a, b) => compareStandings(a, b) || a.index - b.index);
  for (const s of standings) s.rank = 1 + standings.filter((o) => compareStandings(o, s) < 0).length;
  const tiedAtTop = standings.filter((s) => compareStandings(s, standings[0]!) === 0).map((s) => s.index);
  return { basis, z, standings, tiedAtTop };
}

/**
 * How far the winner stands from the runner-up. `margin` is the difference of the scores ranked on
 * (it may be ≤ 0 across the must-pass line, which outranks any score). `decisive`: the must-pass
 * line separates them; or, on the lower-bound basis, the winner's lower bound is above the
 * runner-up's upper bound (soft + z·spread), so the intervals do not overlap; or, without p(YES),
 * where verdicts are all there is, the winner's weighted score is strictly higher. A tie is never
 * decisive, however it was broken.
 */
export function separation(winner: Standing, runnerUp: Standing, basis: RankBasis, z: number): { margin: number; decisive: boolean } {
  const margin = winner.rank_score - runnerUp.rank_score;
  if (winner.must_pass_met !== runnerUp.must_pass_met) return { margin, decisive: winner.must_pass_met };
  if (basis === "soft_lower_bound") {
    return { margin, decisive: winner.rank_score > runnerUp.scores.soft! + z * runnerUp.spread! + EPSILON };
  }
  return { margin, decisive: margin > EPSILON };
}
