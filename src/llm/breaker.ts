import { ProblemError } from "../errors";
import { UpstreamProblem } from "./failure";
import type { ChatRequest, ChatResult, LlmClient } from "./types";

export interface BreakerOptions {
  /** Consecutive upstream failures that open the circuit. */
  failures: number;
  /** How long an open circuit fails fast before letting one probe through. */
  cooldownMs: number;
  now?: () => number;
  onStateChange?: (state: BreakerState) => void;
}

export type BreakerState = "closed" | "open" | "half_open";

/**
 * A call the breaker refused without sending it (open, or half-open with its probe out): nothing is
 * known against the request itself, so work that can wait (a batch item) waits and asks again.
 */
export class BreakerRefusal extends ProblemError {
  override name = "BreakerRefusal";
}

/**
 * A circuit breaker in front of an LlmClient. After `failures` consecutive outages it opens and
 * answers 503 at once, so a dead upstream does not pile up waiting requests; after the cooldown one
 * probe is let through (half-open): success closes the circuit, failure opens it again.
 *
 * Only what the upstream did moves it (see UpstreamHealth): an outage counts, an answer (even an
 * unusable one) shows it is up, and a call the caller's deadline ended, waiting here for a slot or
 * in flight, leaves it as it was. So an overloaded server in front of a healthy upstream never
 * opens the circuit.
 */
export class CircuitBreaker implements LlmClient {
  private consecutive = 0;
  private openedAt = 0;
  private current: BreakerState = "closed";
  private probing = false;
  private readonly now: () => number;

  constructor(
    private readonly inner: LlmClient,
    private readonly options: BreakerOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  get state(): BreakerState {
    return this.current;
  }

  private moveTo(state: BreakerState) {
    if (state === this.current) return;
    this.current = state;
    this.options.onStateChange?.(state);
  }

  private unavailable(): BreakerRefusal {
    const wait = Math.max(1, Math.ceil((this.openedAt + this.options.cooldownMs - this.now()) / 1000));
    return new BreakerRefusal(
      "upstream_unavailable",
      `the upstream model failed ${this.options.failures} times in a row; requests fail fast until it recovers (next probe in about ${wait} s)`,
      undefined,
      wait,
    );
  }

  async complete(request: ChatRequest): Promise<ChatResult> {
    let probe = false;
    if (this.current === "open") {
      if (this.now() - this.openedAt < this.options.cooldownMs) throw this.unavailable();
      this.moveTo("half_open");
    }
    if (this.current === "half_open") {
      if (this.probing) throw this.unavailable();
      this.probing = probe = true;
    }
    try {
      const result = await this.inner.complete(request);
      this.consecutive = 0;
      this.moveTo("closed");
      return result;
    } catch (error) {
      const health = error instanceof UpstreamProblem ? error.health : "local";
      if (health === "outage") {
        this.consecutive++;
        if (probe || this.consecutive >= this.options.failures) {
          this.openedAt = this.now();
          this.moveTo("open");
        }
      } else if (health === "answered") {
        this.consecutive = 0;
        this.moveTo("closed");
      }
      throw error;
    } finally {
      if (probe) this.probing = false;
    }
  }
}
