import type { KeyStore } from "../store/ports";
import type { UsageRecorder } from "./recorder";

/** One daily budget a call is under: its key's own, or that of a key above it (see limitsOf). */
export interface BudgetLevel {
  /** The key whose budget it is. */
  key: string;
  /** Upstream tokens a UTC day. */
  budget: number;
  /**
   * Whether keys may have been made under this one (it has the `admin` scope): what they spend is
   * spent from this budget too. Otherwise its key spends it alone.
   */
  shared: boolean;
}

/** Tokens reserved for one call in flight, released (with what the call spent) once it is over. */
export interface Hold {
  release(spentTokens: number): void | Promise<void>;
}

/** Why a reservation was not taken: the budget it did not fit, and what that budget has spent today. */
export interface Refusal {
  level: BudgetLevel;
  spent: number;
  /**
   * Present when the call would fit that budget once calls in flight settle: resolves when one of
   * them has (or after a while), for the caller to ask again. Absent when the call would not fit
   * even with nothing in flight.
   */
  settled?: Promise<void>;
}

/**
 * Where budgets stand for the day: what each has spent, and what calls in flight have reserved from
 * it. In this process on Node (LocalBudgets); on Workers, one Durable Object per key that every
 * isolate asks, so that calls in flight in any isolate see each other (src/workers/key-limits.ts).
 */
export interface BudgetBook {
  /** Tokens spent today (UTC) from a budget: by its key, and by every key made under it. */
  spentToday(level: BudgetLevel): Promise<number>;
  /**
   * Reserves `estimate` tokens from every budget of `chain` (a key's own first, then those above
   * it) for one call that ends by `deadline`, or from none: when one of them refuses, what the
   * others gave is given back, and the refusal says which (one the call would never fit first).
   */
  reserve(chain: readonly BudgetLevel[], estimate: number, deadline: number): Promise<Hold | Refusal>;
}

/**
 * The budgets of this process (Node). What is spent is the usage recorded, written or not
 * (UsageRecorder), of a budget's key and the keys under it (read from the database, so shared with
 * every process on the file); what is reserved is this process's. The checks and the reservations
 * are one step per tree of keys (reservations under one top budget are taken one at a time), so
 * concurrent calls see each other's; the ledger books a call's usage in the same step as it
 * releases the call's hold, so spent tokens are never counted nowhere.
 */
export class LocalBudgets implements BudgetBook {
  /** Tokens reserved by calls in flight, by the key whose budget they are reserved from. */
  private readonly reserved = new Map<string, number>();
  /** The last step taken, by tree (its top budget's key). */
  private readonly turns = new Map<string, Promise<void>>();
  /** Calls waiting for a tree's reservations to settle, woken by the next settlement. */
  private readonly waiting = new Map<string, (() => void)[]>();

  constructor(
    private readonly recorder: UsageRecorder,
    private readonly keys: Pick<KeyStore, "under">,
    private readonly now: () => number = Date.now,
  ) {}

  async spentToday(level: BudgetLevel): Promise<number> {
    return this.recorder.tokensToday(level.shared ? await this.keys.under(level.key) : [level.key], this.now());
  }

  /** Tokens reserved now from a key's budget by calls in flight. */
  reservedBy(key: string): number {
    return this.reserved.get(key) ?? 0;
  }

  reserve(chain: readonly BudgetLevel[], estimate: number): Promise<Hold | Refusal> {
    // Chains that share a budget share every key above it, so they end at the same top budget:
    // its key names the tree whose reservations are taken one at a time.
    const tree = chain.at(-1)!.key;
    return this.inTurn(tree, () => this.admit(chain, tree, estimate));
  }

  /**
   * Reserves `estimate` from every budget when it fits them all; refuses when it would not fit one
   * even with nothing in flight; else says when to try again: when the next of the tree's
   * reservations settles (a promise in an object, as a promise returned from a turn would be waited
   * for within it).
   */
  private async admit(chain: readonly BudgetLevel[], tree: string, estimate: number): Promise<Hold | Refusal> {
    let later: Refusal | undefined;
    for (const level of chain) {
      // Read before what is spent: a call settling in between is then counted twice (its
      // reservation and its usage), never missed.
      const held = this.reservedBy(level.key);
      const spent = await this.spentToday(level);
      if (spent + estimate > level.budget) return { level, spent };
      if (spent + held + estimate > level.budget) later ??= { level, spent };
    }
    if (later) {
      // Made in the same step as the checks, so no settlement can come between them unseen.
      later.settled = new Promise<void>((wake) => {
        const list = this.waiting.get(tree) ?? [];
        list.push(wake);
        this.waiting.set(tree, list);
      });
      return later;
    }
    for (const { key } of chain) this.reserved.set(key, this.reservedBy(key) + estimate);
    let open = true;
    return {
      release: () => {
        if (!open) return;
        open = false;
        for (const { key } of chain) {
          const held = this.reservedBy(key) - estimate;
          if (held === 0) this.reserved.delete(key);
          else this.reserved.set(key, held);
        }
        for (const wake of this.waiting.get(tree)?.splice(0) ?? []) wake();
      },
    };
  }

  /** Runs `step` after every earlier step of the same tree has finished. */
  private inTurn<T>(tree: string, step: () => Promise<T>): Promise<T> {
    const turn = (this.turns.get(tree) ?? Promise.resolve()).then(step);
    const tail = turn.then(
      () => undefined,
      () => undefined,
    );
    this.turns.set(tree, tail);
    void tail.then(() => {
      if (this.turns.get(tree) === tail) this.turns.delete(tree);
    });
    return turn;
  }
}
