// Workers only: imports cloudflare:workers.
import { DurableObject } from "cloudflare:workers";
import { type Grants, SlotBook } from "../batches/slot-book";

/**
 * One batch's upstream slots, shared by every queue consumer: a Durable Object per batch (named by
 * the batch's id) keeping a SlotBook, so that the batch's `concurrency` bounds its upstream calls in
 * flight across consumers and isolates. Callers wait inside `acquire` until a slot comes free (a
 * delivery's calls ask together: see PooledSlots). The grants are stored (the object may be evicted
 * while calls it granted are out); callers waiting keep it in memory.
 */
export class BatchGate extends DurableObject {
  private readonly slots: SlotBook;

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    this.slots = new SlotBook(ctx.storage.kv.get<Grants>("grants") ?? {}, (grants) => ctx.storage.kv.put("grants", grants));
  }

  /** Tokens of up to `want` of the batch's `limit` slots, once one is free; none if `deadline` comes first. */
  acquire(holder: string, limit: number, deadline: number, want: number): Promise<string[]> {
    return this.slots.acquire(holder, limit, deadline, want);
  }

  release(tokens: string[]): void {
    this.slots.release(tokens);
  }

  close(holder: string): void {
    this.slots.close(holder);
  }

  /** Slots held now (for tests and the curious). */
  granted(): number {
    return this.slots.granted;
  }
}
