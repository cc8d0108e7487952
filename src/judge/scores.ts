export interface ScoredItem {
  weight: number;
  must_pass: boolean;
}
export interface ScoredResult {
  verdict: "YES" | "NO";
  p_yes: number | null;
}

export interface Scores {
  pass_rate: number;
  weighted: number;
  soft: number | null;
}

/**
 * pass rate = YES / items (TICK; InFoBench's DRFR); weighted = Σ wᵢ·[YES] / Σ wᵢ (RLCF);
 * soft = Σ wᵢ·p(YES)ᵢ / Σ wᵢ, only when every item has a probability.
 */
export function computeScores(items: ScoredItem[], results: ScoredResult[]): Scores {
  const totalWeight = items.reduce((sum, item) => sum + item.weight, 0);
  let yes = 0;
  let weighted = 0;
  let soft: number | null = 0;
  items.forEach((item, i) => {
    const result = results[i]!;
    if (result.verdict === "YES") {
      yes++;
      weighted += item.weight;
    }
    soft = soft === null || result.p_yes === null ? null : soft + item.weight * result.p_yes;
  });
  return {
    pass_rate: items.length ? yes / items.length : 0,
    weighted: totalWeight ? weighted / totalWeight : 0,
    soft: soft === null || !totalWeight ? null : soft / totalWeight,
  };
}

/** Passed: every must-pass item is YES and the weighted score reaches the threshold. */
export function hasPassed(items: ScoredItem[], results: ScoredResult[], weighted: number, threshold: number): boolean {
  return items.every((item, i) => !item.must_pass || results[i]!.verdict === "YES") && weighted >= threshold - 1e-12;
}
