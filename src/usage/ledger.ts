import { type KeyLimits, type Principal, type Reservation, type TokenBudget, limitsOf, requireScope } from "../context";
import { ProblemError } from "../errors";
import { deadlinePassed } from "../llm/failure";
import type { KeyStore } from "../store/keys-store";
import type { Meter } from "./meter";
import type { UsageRecorder } from "./recorder";

/** The key a principal's usage is booked to: its id, "admin" for the operator, "open" without keys. */
export const usageKey = (principal: Principal) => principal.keyId ?? "open";

const secondsToUtcMidnight = (now = Date.now()) => Math.max(1, Math.ceil((86_400_000 - (now % 86_400_000)) / 1000));

/** The limits with a budget that a principal's calls are under: its key's, and those above it. */
function budgetsOf(principal: Principal): readonly KeyLimits[] {
  const limits = limitsOf(principal);
  // Most keys have no limits: no array is made for them.
  return limits.length === 0 ? limits : limits.filter((level) => level.dailyTokenBudget !== null);
}

/** Whose budget a level is, as a problem names it. */
function whose(principal: Principal, level: KeyLimits, budget: number): { name: string; spentBy: string } {
  if (level.keyId === principal.keyId) return { name: `this key's daily budget of ${budget}`, spentBy: "" };
  return { name: `the daily budget of ${budget} of key ${level.keyId}, which this key was made under,`, spentBy: " by it and the keys made under it" };
}

/**
 * Daily token budgets that hold under concurrency. Every upstream call reserves its estimate first
 * (src/usage/estimate.ts: a bound on the prompt, an allowance for the answer) from every budget it
 * is under: its key's, and those of the keys above it (the key that made it, and so on up), each of
 * which is spent by every key made under it. The checks and the reservations are one step per tree
 * of keys (reservations under one top key are taken one at a time), so concurrent calls see each
 * other's reservations. A call that would not fit what is left once the calls in flight settle is
 * refused; one that would, waits for them. When the call is over, the reservations are released
 * and the call's real usage booked in the same step, so spent tokens are never counted nowhere.
 * What a budget can be overrun by is what answers bill beyond their allowance in the calls in
 * flight when it ran out (see docs/budgets.md).
 */
export class UsageLedger {
  /** Tokens reserved by calls in flight, by the key whose budget they are reserved from. */
  private readonly reserved = new Map<string, number>();
  /** The last step taken, by tree (its top key). */
  private readonly turns = new Map<string, Promise<void>>();
  /** Calls waiting for a tree's reservations to settle, woken by the next settlement. */
  private readonly waiting = new Map<string, (() => void)[]>();

  constructor(
    private readonly recorder: UsageRecorder,
    private readonly keys: Pick<KeyStore, "under">,
    private readonly now: () => number = Date.now,
  ) {}

  /** The spending account of a principal: its budgets' reservations, its key's usage; waits end at `deadline`. */
  account(principal: Principal, deadline?: number): TokenBudget {
    return new Account(this, principal, deadline);
  }

  /** Tokens reserved now from a key's budget by calls in flight. */
  reservedBy(key: string): number {
    return this.reserved.get(key) ?? 0;
  }

  /** Throws `budget_exceeded` when a budget the principal is under is spent for today (at or over it). */
  async requireBudgetLeft(principal: Principal): Promise<void> {
    for (const level of budgetsOf(principal)) {
      const budget = level.dailyTokenBudget as number;
      const spent = await this.spentToday(principal, level);
      if (spent >= budget) {
        const { name, spentBy } = whose(principal, level, budget);
        throw this.problem(`${name} upstream tokens is spent (${spent} today${spentBy})`);
      }
    }
  }

  /** Reserves `estimate` tokens for one call of the principal's (see Account). */
  async reserve(principal: Principal, estimate: number, deadline?: number): Promise<Reservation> {
    // Calling the upstream is judging: whatever operation makes the call, it needs `evaluate`.
    requireScope(principal, "evaluate", "calls to the upstream model");
    const levels = budgetsOf(principal);
    // Every key of a tree takes its turns under the top one: they share the budgets above them.
    const tree = principal.above.at(-1)?.keyId ?? usageKey(principal);
    if (levels.length > 0) {
      for (;;) {
        const refused = await this.inTurn(tree, () => this.admit(principal, levels, tree, estimate));
        if (!refused) break;
        await this.until(refused.settled, deadline);
      }
    }
    let open = true;
    return {
      settle: (spent: Meter) => {
        if (!open) return;
        open = false;
        this.recorder.addUpstream(usageKey(principal), principal.tenant, spent, this.now());
        if (levels.length === 0) return;
        for (const { keyId } of levels) {
          const held = this.reservedBy(keyId) - estimate;
          if (held === 0) this.reserved.delete(keyId);
          else this.reserved.set(keyId, held);
        }
        for (const wake of this.waiting.get(tree)?.splice(0) ?? []) wake();
      },
    };
  }

  /**
   * Reserves `estimate` from every budget when it fits them all; refuses when it would not fit one
   * even with nothing in flight; else says when to try again: when the next of the tree's
   * reservations settles (a promise in an object, as a promise returned from a turn would be waited
   * for within it).
   */
  private async admit(principal: Principal, levels: readonly KeyLimits[], tree: string, estimate: number): Promise<{ settled: Promise<void> } | undefined> {
    let fitsLater = false;
    for (const level of levels) {
      const budget = level.dailyTokenBudget as number;
      // Read before what is spent: a call settling in between is then counted twice (its
      // reservation and its usage), never missed.
      const held = this.reservedBy(level.keyId);
      const spent = await this.spentToday(principal, level);
      if (spent + estimate > budget) {
        const { name, spentBy } = whose(principal, level, budget);
        throw this.problem(`this call may use up to ${estimate} upstream tokens, more than is left of ${name} (${spent} spent today${spentBy})`);
      }
      if (spent + held + estimate > budget) fitsLater = true;
    }
    if (fitsLater) {
      // Made in the same step as the checks, so no settlement can come between them unseen.
      const settled = new Promise<void>((wake) => {
        const list = this.waiting.get(tree) ?? [];
        list.push(wake);
        this.waiting.set(tree, list);
      });
      return { settled };
    }
    for (const { keyId } of levels) this.reserved.set(keyId, this.reservedBy(keyId) + estimate);
    return undefined;
  }

  /** What a budget has spent today: its key's usage, and that of every key made under it. */
  private async spentToday(principal: Principal, level: KeyLimits): Promise<number> {
    // Only an admin key makes keys: the calling key's own budget is spent by it alone unless it is one.
    const alone = level.keyId === principal.keyId && !principal.scopes.includes("admin");
    return this.recorder.tokensToday(alone ? [level.keyId] : await this.keys.under(level.keyId), this.now());
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
