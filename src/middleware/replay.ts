import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import type { Metrics } from "../metrics";

/**
 * A bounded in-memory map from an exact request body to the response it produced, for the
 * resources whose answer to the same body never changes (stored rows are content-addressed and
 * immutable). A repeat is answered without parsing, hashing or a database read. Least recently
 * used entries go first once the byte budget is spent; failures are never kept.
 */
export interface Replay {
  body: string;
  /** Upstream tokens that producing this response cost once; each replay saves them again. */
  tokens: number;
}

export class ReplayCache {
  private readonly entries = new Map<string, Replay>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): Replay | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: string, value: Replay): void {
    const cost = key.length + value.body.length;
    if (cost > this.maxBytes / 8) return;
    const old = this.entries.get(key);
    if (old !== undefined) {
      this.entries.delete(key);
      this.bytes -= key.length + old.body.length;
    }
    this.entries.set(key, value);
    this.bytes += cost;
    for (const [k, v] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= k.length + v.body.length;
    }
  }
}

/** Serves repeats of a route's successful requests from the replay cache. */
export function replay(cache: ReplayCache, metrics: Metrics, kind: string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    // Per tenant: one tenant must not be answered, or learn by timing, from another's requests.
    const key = `${c.get("principal")?.tenant ?? ""}\n${c.req.method} ${c.req.path}\n${c.get("bodyText") ?? ""}`;
    const hit = cache.get(key);
    if (hit !== undefined) {
      metrics.cache.inc({ kind, outcome: "replay" });
      const meter = c.get("meter");
      if (meter) {
        meter.cacheHits++;
        meter.tokensSaved += hit.tokens;
      }
      return c.body(hit.body, 200, { "content-type": "application/json" });
    }
    await next();
    const replayable = c.get("replayable");
    if (c.res.status === 200 && replayable) {
      const meter = c.get("meter");
      let tokens = meter?.tokensSaved ?? 0;
      for (const u of meter?.byModel.values() ?? []) tokens += u.prompt_tokens + u.completion_tokens;
      const body = JSON.stringify({ ...replayable, cached: true, usage: { upstream_calls: 0, prompt_tokens: 0, completion_tokens: 0 } });
      cache.set(key, { body, tokens });
    }
  };
}
