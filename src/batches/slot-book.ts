/** Slots given out, by holder: until when each counts if it is never given back. */
export type Grants = Record<string, number>;

/** How long past its call's deadline a slot never given back still counts. */
export const GRANT_GRACE_MS = 5_000;

interface Waiter {
  token: string;
  limit: number;
  deadline: number;
  answer: (granted: boolean) => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * A batch's upstream slots, for callers in any number of isolates (kept by a Durable Object per
 * batch): at most `limit` granted at once, the rest waiting in arrival order until a slot is given
 * back or their deadline passes. A grant whose holder never gives it back (its isolate died) stops
 * counting at its call's deadline plus GRANT_GRACE_MS: no call outlives its deadline.
 */
export class SlotBook {
  private readonly waiting: Waiter[] = [];
  private expiry: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly grants: Grants,
    /** Told whenever the grants change, to store them. */
    private readonly changed: (grants: Grants) => void,
    private readonly now: () => number = Date.now,
  ) {}

  get granted(): number {
    return Object.keys(this.grants).length;
  }

  /** Resolves true once `token` holds a slot, or false at `deadline` if none came free by then. */
  acquire(token: string, limit: number, deadline: number): Promise<boolean> {
    if (this.grants[token] !== undefined) return Promise.resolve(true);
    return new Promise<boolean>((answer) => {
      const waiter: Waiter = {
        token,
        limit,
        deadline,
        answer,
        timer: setTimeout(() => {
          const at = this.waiting.indexOf(waiter);
          if (at >= 0) this.waiting.splice(at, 1);
          answer(false);
        }, Math.max(0, deadline - this.now())),
      };
      this.waiting.push(waiter);
      this.pump();
    });
  }

  /** Gives a slot back and hands it to the first waiter. */
  release(token: string): void {
    if (this.grants[token] !== undefined) {
      delete this.grants[token];
      this.changed(this.grants);
    }
    this.pump();
  }

  private grant(token: string, until: number): void {
    this.grants[token] = until;
    this.changed(this.grants);
  }

  /** Hands free slots to waiters, first come first served. */
  private pump(): void {
    this.expire();
    for (let next = this.waiting[0]; next && this.granted < next.limit; next = this.waiting[0]) {
      this.waiting.shift();
      clearTimeout(next.timer);
      this.grant(next.token, next.deadline + GRANT_GRACE_MS);
      next.answer(true);
    }
    this.scheduleExpiry();
  }

  /** Grants past their `until` stop counting. */
  private expire(): void {
    const now = this.now();
    let dropped = false;
    for (const [token, until] of Object.entries(this.grants)) {
      if (until < now) {
        delete this.grants[token];
        dropped = true;
      }
    }
    if (dropped) this.changed(this.grants);
  }

  /** While callers wait, the earliest grant expiry wakes the queue (its holder may never give it back). */
  private scheduleExpiry(): void {
    if (this.expiry !== undefined) clearTimeout(this.expiry);
    this.expiry = undefined;
    if (this.waiting.length === 0) return;
    const first = Math.min(...Object.values(this.grants));
    if (!Number.isFinite(first)) return;
    this.expiry = setTimeout(() => {
      this.expiry = undefined;
      this.pump();
    }, Math.max(0, first - this.now()) + 1);
  }
}
