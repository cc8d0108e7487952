import { type Principal, type Reservation, type TokenBudget, requireScope } from "../context";
import { ProblemError } from "../errors";
import type { Meter } from "./meter";
import type { UsageRecorder } from "./recorder";

/** The key a principal's usage is booked to: its id, "admin" for the operator, "open" without keys. */
export const usageKey = (principal: Principal) => principal.keyId ?? "open";

const secondsToUtcMidnight = (now = Date.now()) => Math.max(1, Math.ceil((86_400_000 - (now % 86_400_000)) / 1000));

/** Tokens held for one call in flight, released (with what the call spent) once it is over. */
export interface Hold {
  release(spentTokens: number): void | Promise<void>;
}

/**
 * Where keys' budgets stand for the day: what each has spent and holds for calls in flight. In
 * this process on Node (LocalBudgets); on Workers, one Durable Object per key that every isolate
 * asks, so that calls in flight in any isolate see each other (src/workers/key-limits.ts).
 */
export interface BudgetBook {
  /** Tokens the key has spent today (UTC). */
  spentToday(key: string): Promise<number>;
  /**
   * Holds `estimate` tokens for one call that ends by `deadline`, if the key's spent and held
   * tokens leave room for them in `budget`; else says what is spent and held.
   */
  hold(key: string, budget: number, estimate: number, deadline: number): Promise<Hold | { spent: number; held: number }>;
}

/**
 * The budgets of this process: the check and the hold are one step per key (holds of one key are
 * taken one at a time), so concurrent calls see each other's; what is spent is the usage recorded,
 * written or not (UsageRecorder), which a call's settlement adds in the same step as it releases
 * its hold.
 */
export class LocalBudgets implements BudgetBook {
  private readonly held = new Map<string, number>();
  private readonly turns = new Map<string, Promise<unknown>>();

  constructor(
    private readonly recorder: UsageRecorder,
    private readonly now: () => number = Date.now,
  ) {}

  spentToday(key: string): Promise<number> {
    return this.recorder.tokensToday(key, this.now());
  }

  /** Tokens held now by a key's calls in flight. */
  heldBy(key: string): number {
    return this.held.get(key) ?? 0;
  }

  hold(key: string, budget: number, estimate: number): Promise<Hold | { spent: number; held: number }> {
    return this.inTurn(key, async () => {
      const spent = await this.spentToday(key);
      const held = this.heldBy(key);
      if (spent + held + estimate > budget) return { spent, held };
      this.held.set(key, held + estimate);
      return { release: () => void this.held.set(key, this.heldBy(key) - estimate) };
    });
  }

  /** Runs `step` after every earlier step of the same key has finished. */
  private inTurn<T>(key: string, step: () => Promise<T>): Promise<T> {
    const turn = (this.turns.get(key) ?? Promise.resolve()).then(step);
    const tail = turn.catch(() => undefined);
    this.turns.set(key, tail);
    void tail.then(() => {
      if (this.turns.get(key) === tail) this.turns.delete(key);
    });
    return turn;
  }
}

/** How long a call without a deadline may hold its tokens. */
const HOLD_WITHOUT_DEADLINE_MS = 10 * 60_000;

/**
 * Daily token budgets that hold under concurrency. Every upstream call reserves an estimate of its
 * tokens first, against what the key has spent and what its calls in flight hold (the BudgetBook),
 * so concurrent calls see each other's reservations. When the call is over, the reservation is
 * released and the call's real usage booked in the same step, so spent tokens are never counted
 * nowhere. What a budget can be overrun by is the difference between the estimates and the real
 * figures of the calls in flight when it ran out (see README, Budgets).
 */
export class UsageLedger {
  constructor(
    private readonly recorder: UsageRecorder,
    private readonly book: BudgetBook = new LocalBudgets(recorder),
    private readonly now: () => number = Date.now,
  ) {}

  /** The spending account of a principal: its budget's reservations, its key's usage. */
  account(principal: Principal): TokenBudget {
    return new Account(this, principal);
  }

  /** Throws `budget_exceeded` when the principal's budget for today is spent (at or over it). */
  async requireBudgetLeft(principal: Principal): Promise<void> {
    const budget = principal.dailyTokenBudget;
    if (budget === null) return;
    const spent = await this.book.spentToday(usageKey(principal));
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
    let hold: Hold | null = null;
    if (budget !== null) {
      const held = await this.book.hold(key, budget, estimate, deadline ?? this.now() + HOLD_WITHOUT_DEADLINE_MS);
      if (!("release" in held)) {
        throw this.problem(
          `this call may use up to ${estimate} upstream tokens, more than is left of this key's daily budget of ${budget} (${held.spent} spent today, ${held.held} reserved by calls in flight)`,
        );
      }
      hold = held;
    }
    let open = true;
    return {
      settle: (spent: Meter) => {
        if (!open) return;
        open = false;
        // Released and booked in one step: no await between them.
        const { prompt_tokens, completion_tokens } = spent.totals();
        const released = hold?.release(prompt_tokens + completion_tokens);
        this.recorder.addUpstream(key, principal.tenant, spent, this.now());
        return released;
      },
    };
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

  reserve(estimate: number, deadline?: number): Promise<Reservation> {
    return this.ledger.reserve(this.principal, estimate, deadline);
  }
}
