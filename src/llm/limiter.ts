import { deadlinePassed } from "./failure";

interface Waiter {
  start: () => void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * Upstream slots shared by a group of calls (a batch's concurrency): `run` waits for one, or gives up
 * with a 504 once `deadline` passes. A Limiter in this process on Node; a Durable Object counter
 * shared by every queue consumer on Workers (src/workers/durable-clients.ts).
 */
export interface Slots {
  run<T>(task: () => Promise<T>, deadline?: number): Promise<T>;
  /**
   * Called right before each call under a slot is sent, after every wait (the batch's lease is
   * still its runner's): what it throws ends the call unsent.
   */
  ready?: () => Promise<void>;
}

/**
 * A counting semaphore: at most `limit` tasks run at once; the rest wait in arrival order. A task
 * with a deadline leaves the queue when it passes (a 504 that blames no one upstream), so that
 * callers who have given up do not keep a queue long after the upstream has caught up.
 */
export class Limiter implements Slots {
  private active = 0;
  private readonly waiting: Waiter[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>, deadline?: number): Promise<T> {
    if (this.active >= this.limit) await this.wait(deadline);
    else this.active++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next.start();
      else this.active--;
    }
  }

  /** Waits for a slot handed over by a finishing task (which keeps `active` as it is). */
  private wait(deadline: number | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        start: () => {
          if (waiter.timer !== undefined) clearTimeout(waiter.timer);
          resolve();
        },
        timer: undefined,
      };
      if (deadline !== undefined) {
        waiter.timer = setTimeout(
          () => {
            const at = this.waiting.indexOf(waiter);
            if (at >= 0) this.waiting.splice(at, 1);
            reject(deadlinePassed("while the call waited for an upstream slot here (TICKBOX_UPSTREAM_CONCURRENCY, or the batch's concurrency)"));
          },
          Math.max(0, deadline - Date.now()),
        );
      }
      this.waiting.push(waiter);
    });
  }
}
