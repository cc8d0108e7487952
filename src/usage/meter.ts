import type { UsageSink } from "../llm/types";
import { totalsOf, type Usage, type UsageByModel } from "../llm/usage";

/**
 * What one request (or one upstream call) cost upstream, by model, and what the cache saved it.
 * The upstream client records each attempt into a call's meter; the call's meter is then added to
 * its request's (`absorb`), which the request's log line and answer report.
 */
export class Meter implements UsageSink, UsageByModel {
  readonly byModel = new Map<string, Usage>();
  cacheHits = 0;
  tokensSaved = 0;
  /** Answered whole from the replay cache. */
  replayed = false;

  charge(model: string, usage: Usage): void {
    const current = this.byModel.get(model);
    if (!current) {
      this.byModel.set(model, { ...usage });
      return;
    }
    current.upstream_calls += usage.upstream_calls;
    current.prompt_tokens += usage.prompt_tokens;
    current.completion_tokens += usage.completion_tokens;
  }

  /** Adds another meter's upstream usage (one call's) to this one. */
  absorb(other: UsageByModel): void {
    for (const [model, usage] of other.byModel) this.charge(model, usage);
  }

  /** A result served from the cache; `original` is what computing it once cost. */
  hit(original: Usage): void {
    this.cacheHits++;
    this.tokensSaved += original.prompt_tokens + original.completion_tokens;
  }

  /** Upstream calls and tokens over every model. */
  totals(): Usage {
    return totalsOf(this);
  }

  /** How the cache served the request: replay, hit (nothing upstream), miss (all upstream), partial, or none. */
  cacheOutcome(): "replay" | "hit" | "miss" | "partial" | "none" {
    if (this.replayed) return "replay";
    const called = this.byModel.size > 0;
    if (this.cacheHits > 0) return called ? "partial" : "hit";
    return called ? "miss" : "none";
  }
}
