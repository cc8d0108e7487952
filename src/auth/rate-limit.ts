/**
 * Token buckets per key, in memory: `rpm` requests a minute on average, with bursts up to `rpm`.
 * Per process on Node, per isolate on Workers.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Takes one token from each bucket (a key's own, and those of the keys above it), or none when
   * one of them is empty: then says which, and how many seconds until it has a token again.
   */
  take(limits: readonly { key: string; rpm: number }[]): { ok: true } | { ok: false; key: string; rpm: number; retryAfter: number } {
    const now = this.now();
    const buckets = limits.map(({ key, rpm }) => {
      const bucket = this.buckets.get(key) ?? { tokens: rpm, at: now };
      bucket.tokens = Math.min(rpm, bucket.tokens + (now - bucket.at) * (rpm / 60_000));
      bucket.at = now;
      this.buckets.set(key, bucket);
      return bucket;
    });
    const empty = buckets.findIndex((bucket) => bucket.tokens < 1);
    if (empty >= 0) {
      const { key, rpm } = limits[empty]!;
      const perMs = rpm / 60_000;
      return { ok: false, key, rpm, retryAfter: Math.max(1, Math.ceil((1 - buckets[empty]!.tokens) / perMs / 1000)) };
    }
    for (const bucket of buckets) bucket.tokens -= 1;
    return { ok: true };
  }
}
