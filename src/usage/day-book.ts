/** One key's budget day, as kept by its Durable Object: what was spent, and what calls in flight hold. */
export interface DayState {
  /** The UTC day, as days since the epoch. */
  day: number;
  spent: number;
  holds: Record<string, { tokens: number; until: number }>;
}

const dayOf = (now: number) => Math.floor(now / 86_400_000);

/**
 * A hold is kept this long past its call's deadline before it is taken to be lost (the isolate that
 * made the call died before it settled): its tokens then count as spent, so that a lost settlement
 * can only make the budget stricter.
 */
export const HOLD_GRACE_MS = 60_000;

/**
 * One key's daily token budget: holds for calls in flight and what settled calls spent, per UTC
 * day. Plain data and arithmetic, so that a Durable Object can keep one and store its state, and
 * tests can drive it directly. Tokens are booked to the day a call settles, as usage is.
 */
export class DayBook {
  private state: DayState;

  constructor(state: DayState | undefined, now: number) {
    this.state = state ?? { day: dayOf(now), spent: 0, holds: {} };
  }

  /** The state to store. */
  snapshot(): DayState {
    return this.state;
  }

  /** Tokens spent today. */
  spent(now: number): number {
    this.catchUp(now);
    return this.state.spent;
  }

  /** Tokens held by calls in flight. */
  held(now: number): number {
    this.catchUp(now);
    let held = 0;
    for (const hold of Object.values(this.state.holds)) held += hold.tokens;
    return held;
  }

  /** Holds `tokens` for a call that ends by `until`, if spent + held + tokens fits `budget`; else what is spent and held. */
  hold(id: string, budget: number, tokens: number, until: number, now: number): { ok: true } | { ok: false; spent: number; held: number } {
    const spent = this.spent(now);
    const held = this.held(now);
    if (spent + held + tokens > budget) return { ok: false, spent, held };
    this.state.holds[id] = { tokens, until };
    return { ok: true };
  }

  /** Ends a hold, booking what its call spent to today. A hold already taken as lost is not booked twice. */
  release(id: string, spentTokens: number, now: number): void {
    this.catchUp(now);
    if (!this.state.holds[id]) return;
    delete this.state.holds[id];
    this.state.spent += spentTokens;
  }

  /** A new day starts with nothing spent; holds past their grace count as spent. */
  private catchUp(now: number): void {
    const today = dayOf(now);
    if (today > this.state.day) this.state = { ...this.state, day: today, spent: 0 };
    for (const [id, hold] of Object.entries(this.state.holds)) {
      if (hold.until + HOLD_GRACE_MS < now) {
        delete this.state.holds[id];
        this.state.spent += hold.tokens;
      }
    }
  }
}
