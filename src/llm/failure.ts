import { type ProblemCode, ProblemError } from "../errors";

/**
 * What a failed call says about the upstream's health, which is all the circuit breaker reads:
 * - `outage`: it is unwell: unreachable, a 5xx, a 429 after the retries, or silent past its own
 *   timeout (TICKBOX_UPSTREAM_TIMEOUT_MS);
 * - `answered`: it answered, so it is up, but the answer was of no use (a 4xx, an answer that is not
 *   a valid chat completion, one past TICKBOX_MAX_ANSWER_BYTES);
 * - `local`: nothing was learnt about it: the caller's deadline ran out while the call waited for a
 *   slot here, or cut the call short.
 */
export type UpstreamHealth = "outage" | "answered" | "local";

/** A failed upstream call: its problem for the caller, and what it says about the upstream. */
export class UpstreamProblem extends ProblemError {
  /** The upstream's HTTP status, when it answered with an error. */
  upstreamStatus: number | undefined;
  /** How long the upstream asked to be left alone (Retry-After), when it said. */
  retryAfterMs: number | undefined;

  constructor(
    code: ProblemCode,
    detail: string,
    readonly health: UpstreamHealth,
    /** Whether another attempt may succeed (connection errors, 408, 409, 429, 5xx, timeouts). */
    readonly retryable = false,
  ) {
    super(code, detail);
  }
}

export const invalidAnswer = (detail: string) => new UpstreamProblem("upstream_invalid_output", detail, "answered");

/** The caller's deadline passed before the upstream could be asked, or while it was being asked. */
export const deadlinePassed = (where: string) =>
  new UpstreamProblem("upstream_timeout", `the request's deadline (TICKBOX_REQUEST_DEADLINE_MS) passed ${where}`, "local");
