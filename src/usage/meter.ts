import type { Usage } from "../judge/ask";

/**
 * What one request (or one upstream call) cost upstream, by model, and what the cache saved it.
 * The upstream client records each attempt into a call's meter; the call's meter is then added to
 * its request's (`absorb`), which the request's log line and answer report.
 */
export class Meter {
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
  absorb(other: Meter): void {
    for (const [model, usage] of other.byModel) this.charge(model, usage);
  }

  /** A result served from the cache; `original` is what computing it once cost. */
  hit(original: Usage): void {
    this.cacheHits++;
    this.tokensSaved += original.prompt_tokens + original.completion_tokens;
  }

  /** Upstream calls and tokens over every model. */
  totals(): Usage {
    const total = { upstream_calls: 0, prompt_tokens: 0, completion_tokens: 0 };
    for (const u of this.byModel.values()) {
      total.upstream_calls += u.upstream_calls;
      total.prompt_tokens += u.prompt_tokens;
      total.completion_tokens += u.completion_tokens;
    }
    return total;
  }

  /** How the cache served the request: replay, hit (nothing upstream), miss (all upstream), partial, or none. */
  cacheOutcome(): "replay" | "hit" | "miss" | "partial" | "none" {
    if (this.replayed) return "replay";
    const called = this.byModel.size > 0;
    if (this.cacheHits > 0) return called ? "partial" : "hit";
    return called ? "miss" : "none";
  }
}
