import type { Usage } from "../judge/ask";
import type { Limiter } from "../llm/limiter";

/**
 * What one request cost upstream, by model, and what the cache saved it. The judge records into it;
 * the access layer adds it to the caller's daily usage when the request ends.
 */
export class Meter {
  readonly byModel = new Map<string, Usage>();
  cacheHits = 0;
  tokensSaved = 0;

  charge(model: string, usage: Usage): void {
    const current = this.byModel.get(model) ?? { upstream_calls: 0, prompt_tokens: 0, completion_tokens: 0 };
    this.byModel.set(model, {
      upstream_calls: current.upstream_calls + usage.upstream_calls,
      prompt_tokens: current.prompt_tokens + usage.prompt_tokens,
      completion_tokens: current.completion_tokens + usage.completion_tokens,
    });
  }

  /** A result served from the cache; `original` is what computing it once cost. */
  hit(original: Usage): void {
    this.cacheHits++;
    this.tokensSaved += original.prompt_tokens + original.completion_tokens;
  }
}

/** Whose request this is: the tenant that owns what it reads and writes, and its meter. */
export interface RequestScope {
  tenant: string;
  meter?: Meter | undefined;
  /** Epoch ms by which the request's upstream work must be done (TICKBOX_REQUEST_DEADLINE_MS). */
  deadline?: number | undefined;
  /** Upstream slots shared with other requests (a batch's concurrency), besides the server-wide limit. */
  slots?: Limiter | undefined;
}

export const DEFAULT_SCOPE: RequestScope = { tenant: "default" };
