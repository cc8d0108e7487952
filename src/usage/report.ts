import type { PriceTable } from "../config";
import { noUsage, type Usage } from "../llm/usage";
import type { UsageRow } from "../store/records";

interface ModelUsage extends Usage {
  model: string;
  cost_usd: number | null;
}

export interface DayUsage extends Usage {
  key_id: string;
  tenant: string;
  day: string;
  requests: number;
  cache_hits: number;
  tokens_saved: number;
  /** Estimated from the price table; null when a model used that day has no price. */
  cost_usd: number | null;
  models: ModelUsage[];
}

/** Estimated cost in USD of tokens of one model; null when the price table has no price for it. */
export const costOf = (prices: PriceTable, model: string, prompt: number, completion: number) => {
  const price = prices[model];
  return price ? (prompt * price.prompt + completion * price.completion) / 1_000_000 : null;
};

/** Folds stored rows (one per key, day and model) into one entry per key and day. */
export function usageReport(rows: UsageRow[], prices: PriceTable): DayUsage[] {
  const days = new Map<string, DayUsage>();
  for (const row of rows) {
    const slot = `${row.keyId}\n${row.day}`;
    const day =
      days.get(slot) ??
      ({
        key_id: row.keyId,
        tenant: row.tenant,
        day: row.day,
        requests: 0,
        ...noUsage(),
        cache_hits: 0,
        tokens_saved: 0,
        cost_usd: 0,
        models: [],
      } satisfies DayUsage);
    day.requests += row.requests;
    day.cache_hits += row.cacheHits;
    day.tokens_saved += row.tokensSaved;
    if (row.model !== "") {
      const cost = costOf(prices, row.model, row.promptTokens, row.completionTokens);
      day.upstream_calls += row.upstreamCalls;
      day.prompt_tokens += row.promptTokens;
      day.completion_tokens += row.completionTokens;
      day.cost_usd = cost === null || day.cost_usd === null ? null : day.cost_usd + cost;
      day.models.push({
        model: row.model,
        upstream_calls: row.upstreamCalls,
        prompt_tokens: row.promptTokens,
        completion_tokens: row.completionTokens,
        cost_usd: cost,
      });
    }
    days.set(slot, day);
  }
  return [...days.values()];
}
