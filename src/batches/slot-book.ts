/** Slots given out, by token: until when each counts if it is never given back. */
export type Grants = Record<string, number>;

/** How long past its call's deadline a slot never given back still counts. */
export const GRANT_GRACE_MS = 5_000;

interface Waiter {
  holder: string;
  want: number;
  limit: number;
  deadline: number;
  answer: (tokens: string[]) => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * A batch's upstream slots, for callers in any number of isolates (kept by a Durable Object per
 * batch): at most `limit` granted at once. A caller asks for up to `want` slots for calls that end
 * by `deadline`, and waits, in arrival order, until at least one is free (then gets as many as are
 * free, up to `want`) or its deadline passes (then gets none). Each slot is one call's, given back
 * by its token once the call is over. A slot never given back (its holder's isolate died) stops
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

  /** The tokens of up to `want` slots once at least one is free; none if `deadline` comes first. */
  acquire(holder: string, limit: number, deadline: number, want = 1): Promise<string[]> {
    return new Promise<string[]>((answer) => {
      const waiter: Waiter = {
        holder,
        want: Math.max(1, want),
        limit,
        deadline,
        answer,
        timer: setTimeout(
          () => {
            const at = this.waiting.indexOf(waiter);
            if (at >= 0) this.waiting.splice(at, 1);
            answer([]);
          },
          Math.max(0, deadline - this.now()),
        ),
      };
      this.waiting.push(waiter);
      this.pump();
    });
  }

  /** Gives slots back and hands them to the first waiters. */
  release(tokens: readonly string[]): void {
    let dropped = false;
    for (const token of tokens) {
      if (this.grants[token] === undefined) continue;
      delete this.grants[token];
      dropped = true;
    }
    if (dropped) this.changed(this.grants);
    this.pump();
  }

  /**
   * A holder is done (its delivery is over): whatever it still waits for is answered with nothing,
   * and every slot it holds goes back.
   */
  close(holder: string): void {
    for (const waiter of this.waiting.filter((w) => w.holder === holder)) {
      this.waiting.splice(this.waiting.indexOf(waiter), 1);
      clearTimeout(waiter.timer);
      waiter.answer([]);
    }
    this.release(Object.keys(this.grants).filter((token) => token.startsWith(`${holder}.`)));
  }

  /** Hands free slots to waiters, first come first served. */
  private pump(): void {
    this.expire();
    let changed = false;
    for (let next = this.waiting[0]; next && this.granted < next.limit; next = this.waiting[0]) {
      this.waiting.shift();
      clearTimeout(next.timer);
      const tokens: string[] = [];
      while (tokens.length < next.want && this.granted < next.limit) {
        const token = `${next.holder}.${crypto.randomUUID().slice(0, 8)}`;
        this.grants[token] = next.deadline + GRANT_GRACE_MS;
        tokens.push(token);
      }
      changed = true;
      next.answer(tokens);
    }
    if (changed) this.changed(this.grants);
    this.scheduleExpiry();
  }

  /** Grants past their time stop counting. */
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
    this.expiry = setTimeout(
      () => {
        this.expiry = undefined;
        this.pump();
      },
      Math.max(0, first - this.now()) + 1,
    );
  }
}
