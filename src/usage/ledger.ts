import { type Principal, limitsOf, requireScope } from "../context";
import type { Reservation, TokenBudget } from "../llm/types";
import { ProblemError } from "../errors";
import { deadlinePassed } from "../llm/failure";
import type { BudgetBook, BudgetLevel, Hold } from "./budget-book";
import { totalsOf, type UsageByModel } from "../llm/usage";
import type { UsageRecorder } from "./recorder";

/** The key a principal's usage is booked to: its id, "admin" for the operator, "open" without keys. */
export const usageKey = (principal: Principal) => principal.keyId ?? "open";

const secondsToUtcMidnight = (now = Date.now()) => Math.max(1, Math.ceil((86_400_000 - (now % 86_400_000)) / 1000));

/** How long a call without a deadline may wait for, and hold, its reservation. */
const HOLD_WITHOUT_DEADLINE_MS = 10 * 60_000;

const NO_BUDGETS: readonly BudgetLevel[] = [];

/** The budgets a principal's calls are under: its key's, and those of the keys above it. */
function budgetsOf(principal: Principal): readonly BudgetLevel[] {
  const limits = limitsOf(principal);
  // Most keys have no limits: no array is made for them.
  if (limits.length === 0) return NO_BUDGETS;
  const levels: BudgetLevel[] = [];
  for (const { keyId, dailyTokenBudget } of limits) {
    if (dailyTokenBudget === null) continue;
    // Only an admin key makes keys: the calling key's own budget is spent by it alone unless it is one.
    const shared = keyId !== principal.keyId || principal.scopes.includes("admin");
    levels.push({ key: keyId, budget: dailyTokenBudget, shared });
  }
  return levels;
}

/** Whose budget a level is, as a problem names it. */
function whose(principal: Principal, level: BudgetLevel): { name: string; spentBy: string } {
  if (level.key === principal.keyId) return { name: `this key's daily budget of ${level.budget}`, spentBy: "" };
  return { name: `the daily budget of ${level.budget} of key ${level.key}, which this key was made under,`, spentBy: " by it and the keys made under it" };
}

/**
 * Daily token budgets that hold under concurrency. Every upstream call reserves its estimate first
 * (src/usage/estimate.ts: a bound on the prompt, an allowance for the answer) from every budget it
 * is under: its key's, and those of the keys above it (the key that made it, and so on up), each of
 * which is spent by every key made under it. Where the budgets stand is the BudgetBook's (this
 * process on Node, a Durable Object per key on Workers), which sees every call in flight. A call
 * that would not fit what is left once the calls in flight settle is refused; one that would, waits
 * for them. When the call is over, the reservations are released and the call's real usage booked
 * in the same step, so spent tokens are never counted nowhere. What a budget can be overrun by is
 * what answers bill beyond their allowance in the calls in flight when it ran out (see
 * docs/budgets.md).
 */
export class UsageLedger {
  constructor(
    private readonly recorder: UsageRecorder,
    private readonly book: BudgetBook,
    private readonly now: () => number = Date.now,
  ) {}

  /** The spending account of a principal: its budgets' reservations, its key's usage. */
  account(principal: Principal): TokenBudget {
    return new Account(this, principal);
  }

  /** Throws `budget_exceeded` when a budget the principal is under is spent for today (at or over it). */
  async requireBudgetLeft(principal: Principal): Promise<void> {
    for (const level of budgetsOf(principal)) {
      const spent = await this.book.spentToday(level);
      if (spent >= level.budget) {
        const { name, spentBy } = whose(principal, level);
        throw this.problem(`${name} upstream tokens is spent (${spent} today${spentBy})`);
      }
    }
  }

  /** Reserves `estimate` tokens for one call of the principal's that ends by `deadline` (see Account). */
  async reserve(principal: Principal, estimate: number, deadline?: number): Promise<Reservation> {
    // Calling the upstream is judging: whatever operation makes the call, it needs `evaluate`.
    requireScope(principal, "evaluate", "calls to the upstream model");
    const chain = budgetsOf(principal);
    let hold: Hold | undefined;
    if (chain.length > 0) {
      const until = deadline ?? this.now() + HOLD_WITHOUT_DEADLINE_MS;
      for (;;) {
        const reserved = await this.book.reserve(chain, estimate, until);
        if ("release" in reserved) {
          hold = reserved;
          break;
        }
        if (!reserved.settled) {
          const { name, spentBy } = whose(principal, reserved.level);
          throw this.problem(`this call may use up to ${estimate} upstream tokens, more than is left of ${name} (${reserved.spent} spent today${spentBy})`);
        }
        await this.waitFor(reserved.settled, until);
      }
    }
    const key = usageKey(principal);
    let open = true;
    return {
      settle: (spent: UsageByModel) => {
        if (!open) return;
        open = false;
        // Released and booked in one step: no await between them.
        const { prompt_tokens, completion_tokens } = totalsOf(spent);
        const released = hold?.release(prompt_tokens + completion_tokens);
        this.recorder.addUpstream(key, principal.tenant, spent, this.now());
        return released;
      },
    };
  }

  /** Waits for `settled`, or throws once the call's deadline passes. */
  private async waitFor(settled: Promise<void>, deadline: number): Promise<void> {
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
