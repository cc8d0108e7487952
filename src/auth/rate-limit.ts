/** One rate limit a request is under: the bucket of key `key`, `rpm` requests a minute. */
export interface RateLimit {
  key: string;
  rpm: number;
}

/** Whether a request may go on now, or which bucket is empty and how many seconds until it has a token. */
export type Taken = { ok: true } | { ok: false; key: string; rpm: number; retryAfter: number };

/**
 * Requests per key: a token bucket of `rpm` a minute on average, with bursts up to `rpm`. A request
 * of a key made by a key takes a token from its own bucket and from the bucket of every key above
 * it (see limitsOf). In this process on Node (RateLimiter); on Workers, one Durable Object per key
 * that every isolate asks, so the limit holds across isolates (src/workers/key-limits.ts).
 */
export interface RateLimits {
  /**
   * Takes one token from each bucket, or none: when one of them is empty, the tokens taken from the
   * others are given back, and the answer names the empty one.
   */
  take(limits: readonly RateLimit[]): Promise<Taken>;
}

/** A token bucket's state: tokens left, as of `at` (epoch ms). */
export interface Bucket {
  tokens: number;
  at: number;
}

/** One bucket's answer: a token taken, or the seconds until one will be there. */
export type BucketAnswer = { ok: true } | { ok: false; retryAfter: number };

/**
 * Takes one token from `bucket` (refilled at `rpm` a minute since it was last used, up to `rpm`),
 * changing it in place; when none is left, says how many seconds until one is.
 */
export function takeToken(bucket: Bucket, rpm: number, now: number): BucketAnswer {
  const perMs = rpm / 60_000;
  bucket.tokens = Math.min(rpm, bucket.tokens + Math.max(0, now - bucket.at) * perMs);
  bucket.at = Math.max(bucket.at, now);
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return { ok: true };
  }
  return { ok: false, retryAfter: Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000)) };
}

/** Puts back a token `takeToken` took, for a request another bucket refused. */
export function returnToken(bucket: Bucket, rpm: number): void {
  bucket.tokens = Math.min(rpm, bucket.tokens + 1);
}

/**
 * A request's answer from its buckets': admitted when every one gave a token; otherwise the first
 * empty one, nearest the key, is named, and the caller gives back the tokens the others took.
 */
function answerOf(limits: readonly RateLimit[], answers: readonly BucketAnswer[]): Taken {
  const empty = answers.findIndex((answer) => !answer.ok);
  if (empty < 0) return { ok: true };
  const { key, rpm } = limits[empty]!;
  return { ok: false, key, rpm, retryAfter: (answers[empty] as { retryAfter: number }).retryAfter };
}

/** Token buckets per key in this process's memory (Node). */
export class RateLimiter implements RateLimits {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Every bucket asked in one step, with no wait in it: nothing else takes from them meanwhile. */
  async take(limits: readonly RateLimit[]): Promise<Taken> {
    const now = this.now();
    const answers = limits.map(({ key, rpm }) => takeToken(this.bucket(key, rpm, now), rpm, now));
    const taken = answerOf(limits, answers);
    if (!taken.ok) {
      limits.forEach(({ key, rpm }, i) => {
        if (answers[i]!.ok) returnToken(this.bucket(key, rpm, now), rpm);
      });
    }
    return taken;
  }

  private bucket(key: string, rpm: number, now: number): Bucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { tokens: rpm, at: now };
      this.buckets.set(key, bucket);
    }
    return bucket;
  }
}
