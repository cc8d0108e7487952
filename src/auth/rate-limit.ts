/**
 * Token buckets per key, in memory: `rpm` requests a minute on average, with bursts up to `rpm`.
 * Per process on Node, per isolate on Workers.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Takes one token; when none is left, says how many seconds until one is. */
  take(key: string, rpm: number): { ok: true } | { ok: false; retryAfter: number } {
    const now = this.now();
    const perMs = rpm / 60_000;
    const bucket = this.buckets.get(key) ?? { tokens: rpm, at: now };
    bucket.tokens = Math.min(rpm, bucket.tokens + (now - bucket.at) * perMs);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfter: Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000)) };
  }
}
