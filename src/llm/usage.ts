/**
 * What upstream calls cost: calls and tokens. The one shape for it everywhere — a call's meter, a
 * cached row's cost, an answer's `usage`, a batch's totals — owned by the LLM port that reports it.
 */
export interface Usage {
  upstream_calls: number;
  prompt_tokens: number;
  completion_tokens: number;
}

/** What calls cost, model by model (a call's meter: every attempt, each booked to its model). */
export interface UsageByModel {
  readonly byModel: ReadonlyMap<string, Usage>;
}

/** Calls and tokens over every model. */
export function totalsOf(spent: UsageByModel): Usage {
  let total = noUsage();
  for (const usage of spent.byModel.values()) total = addUsage(total, usage);
  return total;
}

/** The tokens one answer reports. */
export type TokenCounts = Pick<Usage, "prompt_tokens" | "completion_tokens">;

/** Nothing spent: a fresh object each time, since callers add to it in place. */
export const noUsage = (): Usage => ({ upstream_calls: 0, prompt_tokens: 0, completion_tokens: 0 });

export function addUsage(a: Usage, b: Usage): Usage {
  return {
    upstream_calls: a.upstream_calls + b.upstream_calls,
    prompt_tokens: a.prompt_tokens + b.prompt_tokens,
    completion_tokens: a.completion_tokens + b.completion_tokens,
  };
}
