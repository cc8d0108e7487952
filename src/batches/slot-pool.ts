import { deadlinePassed } from "../llm/failure";
import type { Slots } from "../llm/limiter";
import { GRANT_GRACE_MS } from "./slot-book";

/** Where a batch's slots are kept for every consumer (a BatchGate Durable Object on Workers; see SlotBook). */
export interface SlotGate {
  /** Tokens of up to `want` slots for calls that end by `deadline`, once one is free; none if the deadline comes first. */
  acquire(holder: string, limit: number, deadline: number, want: number): Promise<string[]>;
  release(tokens: string[]): Promise<void>;
  /** The holder is done: its waits end, its slots go back. */
  close(holder: string): Promise<void>;
}

/** A batch's slots for one delivery, closed when the delivery is over. */
export interface DeliverySlots extends Slots {
  close(): Promise<void>;
}

/** Slots given back within this long of each other go back in one call. */
const RELEASE_GROUP_MS = 5;
/** After the gate could not be reached, how long before it is asked again. */
const GATE_RETRY_MS = 500;

interface Waiter {
  deadline: number;
  take: (token: { id: string; until: number }) => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * A batch's slots as one delivery of its items takes them: every upstream call holds one of the
 * batch's slots, as on Node, but the calls of a delivery ask the gate together (one call for all
 * those waiting at once, the rest queued here) and give slots back together, and a slot freed here
 * goes straight to a call waiting here whose deadline it covers. So a delivery of 50 items costs the
 * gate a few calls rather than two per item, and the batch's concurrency still bounds its calls in
 * flight across every consumer. A delivery closes its slots when it is over: an ask still waiting at
 * the gate would otherwise be granted slots nobody gives back until their deadline.
 */
export class PooledSlots implements DeliverySlots {
  private readonly holder = crypto.randomUUID();
  private readonly waiting: Waiter[] = [];
  private asking = false;
  private releasing: string[] = [];
  private releaseTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly gate: SlotGate,
    private readonly limit: number,
    /** How long a call without a deadline may wait for, and hold, a slot. */
    private readonly defaultMs: number,
  ) {}

  async run<T>(task: () => Promise<T>, deadline?: number): Promise<T> {
    const token = await this.take(deadline ?? Date.now() + this.defaultMs);
    try {
      return await task();
    } finally {
      this.giveBack(token);
    }
  }

  private take(deadline: number): Promise<{ id: string; until: number }> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        deadline,
        take: (token) => {
          clearTimeout(waiter.timer);
          resolve(token);
        },
        timer: setTimeout(
          () => {
            const at = this.waiting.indexOf(waiter);
            if (at >= 0) this.waiting.splice(at, 1);
            reject(deadlinePassed("while the call waited for one of its batch's slots (the batch's concurrency)"));
          },
          Math.max(0, deadline - Date.now()),
        ),
      };
      this.waiting.push(waiter);
      void this.ask();
    });
  }

  /** Asks the gate for as many slots as calls wait for here; asks again while some still wait. */
  private async ask(): Promise<void> {
    if (this.asking || this.waiting.length === 0) return;
    this.asking = true;
    let failed = false;
    try {
      // Asked for to the next whole second: a slot then also covers calls that start a moment later.
      const latest = Math.ceil(Math.max(...this.waiting.map((w) => w.deadline)) / 1000) * 1000;
      const ids = await this.gate.acquire(this.holder, this.limit, latest, this.waiting.length);
      // Slots nobody here waits for any more (their calls got slots freed here) go back at once.
      const unused = ids.filter((id) => !this.handOver({ id, until: latest + GRANT_GRACE_MS }));
      if (unused.length > 0) this.release(unused);
    } catch (error) {
      console.error("batch slots: the gate could not be asked", error);
      failed = true;
    } finally {
      this.asking = false;
    }
    if (failed) setTimeout(() => void this.ask(), GATE_RETRY_MS);
    else void this.ask();
  }

  /** Hands a slot to the first call waiting here whose deadline it covers; whether there was one. */
  private handOver(token: { id: string; until: number }): boolean {
    const at = this.waiting.findIndex((w) => w.deadline + GRANT_GRACE_MS <= token.until);
    if (at < 0) return false;
    this.waiting.splice(at, 1)[0]!.take(token);
    return true;
  }

  /** A slot whose call is over: to a call waiting here, else back to the gate, shortly, with others freed meanwhile. */
  private giveBack(token: { id: string; until: number }): void {
    if (this.handOver(token)) return;
    this.releasing.push(token.id);
    this.releaseTimer ??= setTimeout(() => {
      this.releaseTimer = undefined;
      this.release(this.releasing.splice(0));
    }, RELEASE_GROUP_MS);
  }

  /** Ends this delivery's part: pending give-backs and whatever it still holds or waits for at the gate. */
  async close(): Promise<void> {
    if (this.releaseTimer) clearTimeout(this.releaseTimer);
    this.releaseTimer = undefined;
    this.releasing = [];
    await this.gate.close(this.holder).catch((error: unknown) => console.error("batch slots: could not close; they lapse at their deadline", error));
  }

  private release(tokens: string[]): void {
    this.gate.release(tokens).catch((error: unknown) => console.error("batch slots: could not give slots back; they lapse at their deadline", error));
  }
}
