import { type Principal, type Reservation, type TokenBudget, requireScope } from "../context";
import { ProblemError } from "../errors";
import { deadlinePassed } from "../llm/failure";
import type { Meter } from "./meter";
import type { UsageRecorder } from "./recorder";

/** The key a principal's usage is booked to: its id, "admin" for the operator, "open" without keys. */
export const usageKey = (principal: Principal) => principal.keyId ?? "open";

const secondsToUtcMidnight = (now = Date.now()) => Math.max(1, Math.ceil((86_400_000 - (now % 86_400_000)) / 1000));

/**
 * Daily token budgets that hold under concurrency. Every upstream call reserves its estimate first
 * (src/usage/estimate.ts: a bound on the prompt, an allowance for the answer); the check and the
 * reservation are one step per key (reservations of one key are taken one at a time), so concurrent
 * calls see each other's reservations. A call that would not fit what is left once the calls in
 * flight settle is refused; one that would, waits for them. When the call is over, the reservation
 * is released and the call's real usage booked in the same step, so spent tokens are never counted
 * nowhere. What a budget can be overrun by is what answers bill beyond their allowance in the calls
 * in flight when it ran out (see README, Budgets).
 */
export class UsageLedger {
  private readonly reserved = new Map<string, number>();
  private readonly turns = new Map<string, Promise<void>>();
  /** Calls waiting for a key's reservations to settle, woken by the next settlement. */
  private readonly waiting = new Map<string, (() => void)[]>();

  constructor(
    private readonly recorder: UsageRecorder,
    private readonly now: () => number = Date.now,
  ) {}

  /** The spending account of a principal: its budget's reservations, its key's usage; waits end at `deadline`. */
  account(principal: Principal, deadline?: number): TokenBudget {
    return new Account(this, principal, deadline);
  }

  /** Tokens reserved now by a key's calls in flight. */
  reservedBy(key: string): number {
    return this.reserved.get(key) ?? 0;
  }

  /** Throws `budget_exceeded` when the principal's budget for today is spent (at or over it). */
  async requireBudgetLeft(principal: Principal): Promise<void> {
    const budget = principal.dailyTokenBudget;
    if (budget === null) return;
    const spent = await this.recorder.tokensToday(usageKey(principal), this.now());
    if (spent >= budget) {
      throw this.problem(`this key's daily budget of ${budget} upstream tokens is spent (${spent} today)`);
    }
  }

  /** Reserves `estimate` tokens for one call of the principal's (see Account). */
  async reserve(principal: Principal, estimate: number, deadline?: number): Promise<Reservation> {
    // Calling the upstream is judging: whatever operation makes the call, it needs `evaluate`.
    requireScope(principal, "evaluate", "calls to the upstream model");
    const key = usageKey(principal);
    const budget = principal.dailyTokenBudget;
    if (budget !== null) {
      for (;;) {
        const refused = await this.inTurn(key, () => this.admit(key, budget, estimate));
        if (!refused) break;
        await this.until(refused.settled, deadline);
      }
    }
    let open = true;
    return {
      settle: (spent: Meter) => {
        if (!open) return;
        open = false;
        this.recorder.addUpstream(key, principal.tenant, spent, this.now());
        if (budget === null) return;
        const held = this.reservedBy(key) - estimate;
        if (held === 0) this.reserved.delete(key);
        else this.reserved.set(key, held);
        for (const wake of this.waiting.get(key)?.splice(0) ?? []) wake();
      },
    };
  }

  /**
   * Reserves `estimate` when it fits; refuses when it would not fit even with nothing in flight;
   * else says when to try again: when the next of the key's reservations settles (a promise in an
   * object, as a promise returned from a turn would be waited for within it).
   */
  private async admit(key: string, budget: number, estimate: number): Promise<{ settled: Promise<void> } | undefined> {
    const spent = await this.recorder.tokensToday(key, this.now());
    const held = this.reservedBy(key);
    if (spent + estimate > budget) {
      throw this.problem(
        `this call may use up to ${estimate} upstream tokens, more than is left of this key's daily budget of ${budget} (${spent} spent today)`,
      );
    }
    if (spent + held + estimate > budget) {
      // Made in the same step as the check, so no settlement can come between them unseen.
      const settled = new Promise<void>((wake) => {
        const list = this.waiting.get(key) ?? [];
        list.push(wake);
        this.waiting.set(key, list);
      });
      return { settled };
    }
    this.reserved.set(key, held + estimate);
    return undefined;
  }

  /** Waits for `settled`, or throws once the caller's deadline passes. */
  private async until(settled: Promise<void>, deadline: number | undefined): Promise<void> {
    if (deadline === undefined) return settled;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(deadlinePassed("while the call waited for its key's budget, held by calls in flight")),
        Math.max(0, deadline - this.now()),
      );
    });
    try {
      await Promise.race([settled, expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Runs `step` after every earlier step of the same key has finished. */
  private inTurn<T>(key: string, step: () => Promise<T>): Promise<T> {
    const turn = (this.turns.get(key) ?? Promise.resolve()).then(step);
    const tail = turn.then(
      () => undefined,
      () => undefined,
    );
    this.turns.set(key, tail);
    void tail.then(() => {
      if (this.turns.get(key) === tail) this.turns.delete(key);
    });
    return turn;
  }

  private problem(detail: string): ProblemError {
    return new ProblemError("budget_exceeded", `${detail}; it renews at 00:00 UTC`, undefined, secondsToUtcMidnight(this.now()));
  }
}

/** A principal's account in the ledger; a class rather than a closure, as one is made per request. */
class Account implements TokenBudget {
  constructor(
    private readonly ledger: UsageLedger,
    private readonly principal: Principal,
    private readonly deadline: number | undefined,
  ) {}

  reserve(estimate: number): Promise<Reservation> {
    return this.ledger.reserve(this.principal, estimate, this.deadline);
  }
}
