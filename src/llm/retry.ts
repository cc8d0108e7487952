/** When and how long to wait before asking the upstream again. */
export interface RetryPolicy {
  retries: number;
  baseMs: number;
  capMs: number;
  random?: () => number;
}

const RETRYABLE_STATUS = new Set([408, 409, 429]);

export function isRetryableStatus(status: number | undefined): boolean {
  return status === undefined || RETRYABLE_STATUS.has(status) || status >= 500;
}

/**
 * The server's own word on when to come back, in milliseconds: `retry-after-ms` (OpenAI), or
 * `Retry-After` as seconds or an HTTP date. Undefined when it said nothing usable.
 */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  const ms = Number(headers?.get("retry-after-ms"));
  if (headers?.get("retry-after-ms") && Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers?.get("retry-after")?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Wait before retry number `attempt` (0-based): the server's Retry-After when given, else
 * exponential backoff with full jitter (a random wait up to base·2ⁿ, capped), so that many clients
 * failing together do not come back together.
 */
export function backoffMs(policy: RetryPolicy, attempt: number, serverSays: number | undefined): number {
  if (serverSays !== undefined) return serverSays;
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** attempt);
  return Math.round((policy.random ?? Math.random)() * ceiling);
}
