import type { MiddlewareHandler } from "hono";
import { hasScope } from "../context";
import type { AppEnv } from "../env";
import { noUsage } from "../llm/usage";
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

  /** TICKBOX_REPLAY_CACHE_MB=0 turns it off: then no route pays for keeping responses. */
  get enabled(): boolean {
    return this.maxBytes > 0;
  }

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
    const ctx = c.get("ctx")!;
    // Per tenant: one tenant must not be answered, or learn by timing, from another's requests. And
    // per set of scopes, since the scopes a body's objects need are checked only when it is parsed:
    // a key is replayed only what a key with the same scopes was answered.
    const scopes = (hasScope(ctx.principal, "evaluate") ? "e" : "") + (hasScope(ctx.principal, "calibrate") ? "c" : "");
    const key = `${ctx.tenant}\n${scopes}\n${c.req.method} ${c.req.path}\n${c.get("bodyText") ?? ""}`;
    const hit = cache.get(key);
    if (hit !== undefined) {
      metrics.cache.inc({ kind, outcome: "replay" });
      ctx.meter.replayed = true;
      ctx.meter.cacheHits++;
      ctx.meter.tokensSaved += hit.tokens;
      return c.body(hit.body, 200, { "content-type": "application/json" });
    }
    await next();
    const replayable = c.get("replayable");
    if (c.res.status === 200 && replayable) {
      const { prompt_tokens, completion_tokens } = ctx.meter.totals();
      const tokens = ctx.meter.tokensSaved + prompt_tokens + completion_tokens;
      const body = JSON.stringify({ ...replayable, cached: true, usage: noUsage() });
      cache.set(key, { body, tokens });
    }
  };
}
