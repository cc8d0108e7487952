import { describe, expect, it } from "vitest";
import { backoffMs, isRetryableStatus, retryAfterMs } from "../../src/llm/retry";

describe("retry policy", () => {
  it("reads Retry-After as seconds, as an HTTP date, and retry-after-ms first", () => {
    const now = Date.parse("2026-11-27T12:00:00Z");
    expect(retryAfterMs(new Headers({ "retry-after": "3" }), now)).toBe(3000);
    expect(retryAfterMs(new Headers({ "retry-after": "Fri, 27 Nov 2026 12:00:05 GMT" }), now)).toBe(5000);
    expect(retryAfterMs(new Headers({ "retry-after": "2", "retry-after-ms": "150" }), now)).toBe(150);
    expect(retryAfterMs(new Headers({ "retry-after": "soon" }), now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });

  it("backs off with full jitter under an exponential, capped ceiling, unless the server said when", () => {
    const policy = { retries: 5, baseMs: 100, capMs: 1000 };
    expect(backoffMs({ ...policy, random: () => 0.999 }, 0, undefined)).toBe(100);
    expect(backoffMs({ ...policy, random: () => 0.999 }, 2, undefined)).toBe(400);
    expect(backoffMs({ ...policy, random: () => 0.999 }, 9, undefined)).toBe(999);
    expect(backoffMs({ ...policy, random: () => 0.25 }, 2, undefined)).toBe(100);
    expect(backoffMs(policy, 3, 2500)).toBe(2500);
  });

  it("retries timeouts, conflicts, rate limits and server errors only", () => {
    expect([408, 409, 429, 500, 503].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 422].some(isRetryableStatus)).toBe(false);
  });
});
