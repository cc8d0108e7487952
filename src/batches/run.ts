import { Limiter, type Slots } from "../llm/limiter";
import type { BatchItemRow, FinishedItem, ItemOutcome } from "../store/batch-records";
import type { BatchStore } from "../store/ports";
import { type BatchHalt, type BatchOwner, ClaimLost, type Evaluate, failedOutcome, gradeItem } from "./grade";

/**
 * A process that works on batches, as named in a batch's lease, and what it knows of the others:
 * `gone` is true only for a runner known to have stopped (a process of this host that is no more).
 */
export interface Runner {
  id: string;
  gone(other: string): boolean;
}

/** A lease not renewed for this long is free: its runner is taken to be gone. Renewed every third of it. */
export const LEASE_MS = 30_000;

/**
 * Workers per batch over its concurrency, as a share of it: while some items are in their own
 * work (cache lookups, parsing, storing), others keep every upstream slot busy.
 */
const EXTRA_WORKERS = 0.25;
/** Items claimed from the store at once, and finished items written at once, at most. */
const GROUP_MAX = 64;
/** How long a finished item may wait for others before it is written. */
const FLUSH_MS = 20;

export interface BatchRunDeps {
  store: BatchStore;
  evaluate: Evaluate;
  runner: Runner;
  /** The lease's length (LEASE_MS but in tests): it is renewed every third of it. */
  leaseMs: number;
  now: () => number;
  /** Told after each group of finished items is written. */
  written: () => void;
}

/**
 * An item the upstream fails (an outage) is tried again this many times in all, OUTAGE_BACKOFF_MS
 * times the attempt apart, unless the circuit breaker refuses it in between: that says the upstream
 * fails everyone, not this item, and the count starts again (see `gradeUntilSettled`).
 */
const OUTAGE_ATTEMPTS = 3;
const OUTAGE_BACKOFF_MS = 1_000;

/**
 * One batch worked on by this process, which holds its lease: workers claim items a group at a
 * time, grade them with at most `concurrency` upstream calls in flight, and finished items are
 * written a group at a time. `done` settles once the workers have stopped, everything finished is
 * written, unstarted claims are put back, and the batch is marked completed if nothing is left.
 *
 * While the upstream is down (the breaker refuses calls, or an item's calls fail with an outage),
 * items are not failed: their workers wait and ask again. A run whose lease was last renewed more
 * than half a lease ago (the process was stopped, say) renews it before each upstream call, and
 * lets the batch go, calling nothing more, if another runner has taken it meanwhile.
 */
export class BatchRun {
  readonly startedAt: number;
  finishedHere = 0;
  private stopping = false;
  private leaseLost = false;
  /** When the lease was last renewed (or taken). */
  private renewedAt: number;
  /** The renewal under way, which workers about to call the upstream share. */
  private renewing: Promise<void> | null = null;
  /** Why the run stopped by itself, if it did; the first halt decides the batch's status. */
  private halt: BatchHalt | null = null;
  /** Items a halt turned back, to go back to pending with the unstarted ones. */
  private readonly turnedBack: number[] = [];
  /** The batch's slots; a call under one is sent only once the lease is known to be this runner's (`ready`). */
  private readonly slots: Slots;
  private readonly groupSize: number;
  /** Items claimed (marked running) but not yet taken by a worker, in input order. */
  private readonly queue: BatchItemRow[] = [];
  /** The claim under way, which workers that find the queue empty wait for. */
  private claiming: Promise<number> | null = null;
  /** Finished items not yet written; written together, within FLUSH_MS of the first. */
  private readonly finished: FinishedItem[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  /** The writes under way, in order. */
  private writes: Promise<void> = Promise.resolve();
  /** Workers waiting for the upstream to come back, woken early by `stop`. */
  private readonly waiting = new Set<() => void>();
  private readonly heartbeat: ReturnType<typeof setInterval>;
  readonly done: Promise<void>;

  constructor(
    private readonly id: string,
    private readonly owner: BatchOwner,
    concurrency: number,
    private readonly deps: BatchRunDeps,
  ) {
    this.startedAt = this.renewedAt = deps.now();
    const workers = concurrency + Math.ceil(concurrency * EXTRA_WORKERS);
    const limiter = new Limiter(concurrency);
    // The lease is checked as late as it can be: after every wait, right before the call is sent.
    this.slots = { run: (task, deadline) => limiter.run(task, deadline), ready: () => this.holdLease() };
    this.groupSize = Math.min(workers, GROUP_MAX);
    this.heartbeat = setInterval(() => void this.renewLease(), deps.leaseMs / 3);
    (this.heartbeat as { unref?: () => void }).unref?.();
    this.done = Promise.all(Array.from({ length: workers }, () => this.work())).then(() => this.settle());
  }

  get stopped(): boolean {
    return this.stopping;
  }

  /** Workers finish the item in hand and take no more. */
  stop(): void {
    this.stopping = true;
    for (const wake of this.waiting) wake();
  }

  private async work(): Promise<void> {
    for (let item = await this.next(); item; item = await this.next()) {
      const outcome = await this.gradeUntilSettled(item);
      if (outcome) this.queueWrite({ idx: item.idx, outcome });
      else if (!this.leaseLost) this.turnedBack.push(item.idx);
    }
  }

  /**
   * The item's outcome, once it has one; undefined when it is to stay unfinished (a halt turned it
   * back, the run stopped while it waited for the upstream, or the batch is another runner's now).
   */
  private async gradeUntilSettled(item: BatchItemRow): Promise<ItemOutcome | undefined> {
    const label = `${this.id}/${item.idx}`;
    for (let outages = 0; !this.stopping; ) {
      const graded = await gradeItem(this.deps.evaluate, item, this.owner, this.slots, label);
      switch (graded.kind) {
        case "finished":
          return graded.outcome;
        case "halted":
          this.halt ??= graded.halt;
          this.stopping = true;
          return undefined;
        case "dropped":
          return undefined;
        case "waiting":
          outages = 0;
          await this.pause(graded.retryAfterMs);
          break;
        case "outage":
          if (++outages >= OUTAGE_ATTEMPTS) return failedOutcome(graded.problem);
          await this.pause(OUTAGE_BACKOFF_MS * outages);
          break;
      }
    }
    return undefined;
  }

  /** Waits `ms`, or less if the run is stopped meanwhile. */
  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiting.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.waiting.add(wake);
    });
  }

  /** The next item to grade: from the claimed queue, claiming a group when it is empty. */
  private async next(): Promise<BatchItemRow | undefined> {
    while (!this.stopping && this.queue.length === 0) {
      this.claiming ??= this.claim();
      if ((await this.claiming) === 0) return undefined;
    }
    return this.stopping ? undefined : this.queue.shift();
  }

  /** Claims the next group of pending items into the queue; how many (none when all are taken). */
  private async claim(): Promise<number> {
    try {
      const rows = await this.deps.store.claim(this.id, this.groupSize);
      this.queue.push(...rows);
      return rows.length;
    } catch (error) {
      console.error(`[batch ${this.id}] could not claim items`, error);
      return 0;
    } finally {
      this.claiming = null;
    }
  }

  /** Queues a finished item for writing: at once when a group is full, else within FLUSH_MS. */
  private queueWrite(item: FinishedItem): void {
    this.finished.push(item);
    if (this.finished.length >= this.groupSize) void this.flush();
    else this.flushTimer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  /** Writes the finished items queued so far; resolves when every write so far is done. */
  private flush(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    const group = this.finished.splice(0);
    if (group.length === 0) return this.writes;
    this.writes = this.writes
      .then(() => this.deps.store.finishItems(this.id, group))
      .then(
        () => {
          this.finishedHere += group.length;
          this.deps.written();
        },
        // Left running, they are graded again (from the cache) when the batch next starts.
        (error) => console.error(`[batch ${this.id}] could not record ${group.length} finished items`, error),
      );
    return this.writes;
  }

  /**
   * Before an upstream call: when the lease was last renewed more than half a lease ago (no other
   * runner can have taken it sooner), renews it first, and throws ClaimLost if it is no longer this
   * runner's. Concurrent callers share one renewal.
   */
  private async holdLease(): Promise<void> {
    if (this.deps.now() - this.renewedAt > this.deps.leaseMs / 2) {
      this.renewing ??= this.renewLease().finally(() => (this.renewing = null));
      await this.renewing;
    }
    if (this.leaseLost) throw new ClaimLost(`batch ${this.id} is another runner's now`);
  }

  /**
   * Renews the lease. A batch whose lease another runner took (this one having been silent too
   * long) is let go; one cancelled by another process is stopped, as a cancel here would.
   */
  private async renewLease(): Promise<void> {
    try {
      const now = this.deps.now();
      const status = await this.deps.store.renewLease(this.id, this.deps.runner.id, now);
      if (status !== null) this.renewedAt = now;
      if (status === "running") return;
      if (status === null && !this.leaseLost) {
        console.error(`[batch ${this.id}] another process took over the batch; stopping here`);
        this.leaseLost = true;
      }
      this.stop();
    } catch (error) {
      console.error(`[batch ${this.id}] could not renew the lease`, error);
    }
  }

  private async settle(): Promise<void> {
    const { store } = this.deps;
    try {
      await this.flush();
      // Claimed items no worker took (the batch was stopped) go back to the queue, unless another
      // runner has the batch now: they are its to put back.
      const unstarted = this.queue.splice(0).map((item) => item.idx);
      if (!this.leaseLost) await store.release(this.id, [...unstarted, ...this.turnedBack]);
      if (this.halt && !this.leaseLost) await store.setStatus(this.id, this.halt.status, null, this.halt.reason, this.halt.until, "running");
      if (this.stopping) return;
      await store.completeIfFinished(this.id, this.deps.now());
    } catch (error) {
      console.error(`[batch ${this.id}] could not settle`, error);
    } finally {
      clearInterval(this.heartbeat);
      await store.dropLease(this.id, this.deps.runner.id).catch((error) => console.error(`[batch ${this.id}] could not drop the lease`, error));
    }
  }
}
