// Workers only: imports cloudflare:workers.
import { DurableObject } from "cloudflare:workers";
import { type Bucket, type Taken, takeToken } from "../auth/rate-limit";
import { DayBook, type DayState } from "../usage/day-book";

/**
 * One API key's rate limit and daily token budget, shared by every isolate: a Durable Object per
 * key (named by the key's id), whose methods run one at a time, so a check and what it takes are
 * one step however many isolates ask at once. Its state is kept in its own SQLite storage (the
 * synchronous key-value API: written before the answer leaves), so that an object evicted from
 * memory and made again forgets nothing.
 */
export class KeyLimits extends DurableObject {
  private bucket: Bucket | undefined;
  private readonly book: DayBook;

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    this.bucket = ctx.storage.kv.get<Bucket>("bucket");
    this.book = new DayBook(ctx.storage.kv.get<DayState>("budget"), Date.now());
  }

  /** Takes one request from the key's bucket of `rpm` a minute (see takeToken). */
  take(rpm: number): Taken {
    const now = Date.now();
    this.bucket ??= { tokens: rpm, at: now };
    const taken = takeToken(this.bucket, rpm, now);
    this.ctx.storage.kv.put("bucket", this.bucket);
    return taken;
  }

  /** Tokens the key has spent today. */
  spent(): number {
    return this.book.spent(Date.now());
  }

  /** Holds `estimate` tokens of `budget` for a call that ends by `deadline`: the hold's id, or what is spent and held. */
  hold(budget: number, estimate: number, deadline: number): { id: string } | { spent: number; held: number } {
    const id = crypto.randomUUID();
    const held = this.book.hold(id, budget, estimate, deadline, Date.now());
    this.save();
    return held.ok ? { id } : { spent: held.spent, held: held.held };
  }

  /** Ends a hold, counting what its call spent. */
  release(id: string, spentTokens: number): void {
    this.book.release(id, spentTokens, Date.now());
    this.save();
  }

  private save(): void {
    this.ctx.storage.kv.put("budget", this.book.snapshot());
  }
}
