// Workers only: imports cloudflare:workers.
import { DurableObject } from "cloudflare:workers";
import { type Bucket, type BucketAnswer, returnToken, takeToken } from "../auth/rate-limit";
import { DayBook, type DayState } from "../usage/day-book";

/** The longest a call waiting for room in a budget waits before it asks again. */
const SETTLED_WAIT_MS = 5_000;

/**
 * One API key's rate limit and daily token budget, shared by every isolate: a Durable Object per
 * key (named by the key's id), whose methods run one at a time, so a check and what it takes are
 * one step however many isolates ask at once. Its state is kept in its own SQLite storage (the
 * synchronous key-value API: written before the answer leaves), so that an object evicted from
 * memory and made again forgets nothing. A key made by a key is under this object of every key
 * above it too: its requests and calls ask each of them (src/workers/durable-clients.ts), so each
 * counts everything done under its key.
 */
export class KeyLimits extends DurableObject {
  private bucket: Bucket | undefined;
  private readonly book: DayBook;
  /** Holds released since this object was made in memory: what a call waiting for room watches. */
  private releases = 0;
  /** Calls waiting for a release (see `settled`). */
  private readonly waiting = new Set<() => void>();

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    this.bucket = ctx.storage.kv.get<Bucket>("bucket");
    this.book = new DayBook(ctx.storage.kv.get<DayState>("budget"), Date.now());
  }

  /** Takes one request from the key's bucket of `rpm` a minute (see takeToken). */
  take(rpm: number): BucketAnswer {
    const now = Date.now();
    this.bucket ??= { tokens: rpm, at: now };
    const taken = takeToken(this.bucket, rpm, now);
    this.ctx.storage.kv.put("bucket", this.bucket);
    return taken;
  }

  /** Puts back a token `take` gave, for a request the bucket of another key refused. */
  giveBack(rpm: number): void {
    if (!this.bucket) return;
    returnToken(this.bucket, rpm);
    this.ctx.storage.kv.put("bucket", this.bucket);
  }

  /** Tokens the key has spent today. */
  spent(): number {
    return this.book.spent(Date.now());
  }

  /**
   * Holds `estimate` tokens of `budget` for a call that ends by `deadline`: the hold's id, or what
   * is spent today and how many releases this object has seen (for `settled`).
   */
  hold(budget: number, estimate: number, deadline: number): { id: string } | { spent: number; releases: number } {
    const id = crypto.randomUUID();
    const held = this.book.hold(id, budget, estimate, deadline, Date.now());
    this.save();
    return held.ok ? { id } : { spent: held.spent, releases: this.releases };
  }

  /** Ends a hold, counting what its call spent (nothing, for a hold given back unused), and wakes the calls waiting for room. */
  release(id: string, spentTokens: number): void {
    this.book.release(id, spentTokens, Date.now());
    this.save();
    this.releases++;
    for (const wake of this.waiting) wake();
  }

  /**
   * Resolves once a hold is released after the `seen`-th (at once if one already was, or if this
   * object was made again since and cannot tell), or at `until`, or after SETTLED_WAIT_MS: a hold
   * that lapses (its isolate died) or a new day frees room without a release, so waiters look again.
   */
  settled(seen: number, until: number): Promise<void> {
    if (seen !== this.releases) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiting.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, Math.max(0, Math.min(until - Date.now(), SETTLED_WAIT_MS)));
      this.waiting.add(wake);
    });
  }

  private save(): void {
    this.ctx.storage.kv.put("budget", this.book.snapshot());
  }
}
