/** Whether a request may go on now, or how many seconds until it may. */
export type Taken = { ok: true } | { ok: false; retryAfter: number };

/**
 * Requests per key: a token bucket of `rpm` a minute on average, with bursts up to `rpm`. In this
 * process on Node (RateLimiter); on Workers, one Durable Object per key that every isolate asks, so
 * the limit holds across isolates (src/workers/key-limits.ts).
 */
export interface RateLimits {
  /** Takes one request from the key's bucket. */
  take(key: string, rpm: number): Promise<Taken>;
}

/** A token bucket's state: tokens left, as of `at` (epoch ms). */
export interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Takes one token from `bucket` (refilled at `rpm` a minute since it was last used, up to `rpm`),
 * changing it in place; when none is left, says how many seconds until one is.
 */
export function takeToken(bucket: Bucket, rpm: number, now: number): Taken {
  const perMs = rpm / 60_000;
  bucket.tokens = Math.min(rpm, bucket.tokens + Math.max(0, now - bucket.at) * perMs);
  bucket.at = Math.max(bucket.at, now);
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return { ok: true };
  }
  return { ok: false, retryAfter: Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000)) };
}

/** Token buckets per key in this process's memory (Node). */
export class RateLimiter implements RateLimits {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly now: () => number = Date.now) {}

  async take(key: string, rpm: number): Promise<Taken> {
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (!bucket) this.buckets.set(key, (bucket = { tokens: rpm, at: now }));
    return takeToken(bucket, rpm, now);
  }
}
