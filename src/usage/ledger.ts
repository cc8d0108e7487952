import { type Principal, type Reservation, type TokenBudget, requireScope } from "../context";
import { ProblemError } from "../errors";
import type { Meter } from "./meter";
import type { UsageRecorder } from "./recorder";

/** The key a principal's usage is booked to: its id, "admin" for the operator, "open" without keys. */
export const usageKey = (principal: Principal) => principal.keyId ?? "open";

const secondsToUtcMidnight = (now = Date.now()) => Math.max(1, Math.ceil((86_400_000 - (now % 86_400_000)) / 1000));

/**
 * Daily token budgets that hold under concurrency. Every upstream call reserves an estimate of its
 * tokens first; the check and the reservation are one step per key (reservations of one key are
 * taken one at a time), so concurrent calls see each other's reservations. When the call is over,
 * the reservation is released and the call's real usage booked in the same step, so spent tokens
 * are never counted nowhere. What a budget can be overrun by is the difference between the
 * estimates and the real figures of the calls in flight when it ran out (see README, Budgets).
 */
export class UsageLedger {
  private readonly reserved = new Map<string, number>();
  private readonly turns = new Map<string, Promise<void>>();

  constructor(
    private readonly recorder: UsageRecorder,
    private readonly now: () => number = Date.now,
  ) {}

  /** The spending account of a principal: its budget's reservations, its key's usage. */
  account(principal: Principal): TokenBudget {
    return new Account(this, principal);
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
  async reserve(principal: Principal, estimate: number): Promise<Reservation> {
    // Calling the upstream is judging: whatever operation makes the call, it needs `evaluate`.
    requireScope(principal, "evaluate", "calls to the upstream model");
    const key = usageKey(principal);
    const budget = principal.dailyTokenBudget;
    if (budget !== null) await this.inTurn(key, () => this.admit(key, budget, estimate));
    let open = true;
    return {
      settle: (spent: Meter) => {
        if (!open) return;
        open = false;
        if (budget !== null) this.reserved.set(key, this.reservedBy(key) - estimate);
        this.recorder.addUpstream(key, principal.tenant, spent, this.now());
      },
    };
  }

  private async admit(key: string, budget: number, estimate: number): Promise<void> {
    const spent = await this.recorder.tokensToday(key, this.now());
    const held = this.reservedBy(key);
    if (spent + held + estimate > budget) {
      throw this.problem(
        `this call may use up to ${estimate} upstream tokens, more than is left of this key's daily budget of ${budget} (${spent} spent today, ${held} reserved by calls in flight)`,
      );
    }
    this.reserved.set(key, held + estimate);
  }

  /** Runs `step` after every earlier step of the same key has finished. */
  private inTurn(key: string, step: () => Promise<void>): Promise<void> {
    const turn = (this.turns.get(key) ?? Promise.resolve()).then(step);
    const tail = turn.catch(() => undefined);
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
  ) {}

  reserve(estimate: number): Promise<Reservation> {
    return this.ledger.reserve(this.principal, estimate);
  }
}
