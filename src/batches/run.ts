import { ProblemError, problemBody } from "../errors";
import type { EvaluationInput, EvaluationView } from "../judge/judge";
import { Limiter } from "../llm/limiter";
import type { BatchItemRow, BatchStore, FinishedItem, ItemOutcome } from "../store/batch-store";

/** Who a batch belongs to: the tenant that owns it and the key its usage is booked to. */
export interface BatchOwner {
  tenant: string;
  keyId: string | null;
}

/**
 * Grades one item as its owner, as the server knows the owner when the item starts, its upstream
 * calls each taking one of the batch's slots. Throws a BatchHalt when the owner may not go on.
 */
export type Evaluate = (input: EvaluationInput, owner: BatchOwner, slots: Limiter, label: string) => Promise<EvaluationView>;

/**
 * The batch must stop before this item, which goes back to pending: its owner's key was revoked
 * (the batch is cancelled), or the owner's daily token budget is spent (it is paused until `until`,
 * the next UTC day, or a retry). Workers finish the items they hold and take no more.
 */
export class BatchHalt extends Error {
  override name = "BatchHalt";
  constructor(
    readonly status: "cancelled" | "paused",
    readonly reason: string,
    readonly until: number | null = null,
  ) {
    super(reason);
  }
}

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

/** Everything evaluation results depend on that timing does not: `cached` and `usage` are left out. */
function stableResult(view: EvaluationView): Record<string, unknown> {
  const { cached: _cached, usage: _usage, ...rest } = view;
  return rest;
}

function itemProblem(error: unknown): { problem: Record<string, unknown>; logged: boolean } {
  const known = error instanceof ProblemError;
  const problem = known ? error : new ProblemError("internal", "an unexpected error occurred while grading this item");
  const { instance: _instance, ...body } = problemBody(problem, "batch");
  return { problem: body, logged: !known };
}

/**
 * One batch worked on by this process, which holds its lease: workers claim items a group at a
 * time, grade them with at most `concurrency` upstream calls in flight, and finished items are
 * written a group at a time. `done` settles once the workers have stopped, everything finished is
 * written, unstarted claims are put back, and the batch is marked completed if nothing is left.
 */
export class BatchRun {
  readonly startedAt: number;
  finishedHere = 0;
  private stopping = false;
  private leaseLost = false;
  /** Why the run stopped by itself, if it did; the first halt decides the batch's status. */
  private halt: BatchHalt | null = null;
  /** Items a halt turned back, to go back to pending with the unstarted ones. */
  private readonly turnedBack: number[] = [];
  private readonly slots: Limiter;
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
  private readonly heartbeat: ReturnType<typeof setInterval>;
  readonly done: Promise<void>;

  constructor(
    private readonly id: string,
    private readonly owner: BatchOwner,
    concurrency: number,
    private readonly deps: BatchRunDeps,
  ) {
    this.startedAt = deps.now();
    const workers = concurrency + Math.ceil(concurrency * EXTRA_WORKERS);
    this.slots = new Limiter(concurrency);
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
  }

  private async work(): Promise<void> {
    for (let item = await this.next(); item; item = await this.next()) {
      const outcome = await this.grade(item);
      if (outcome) this.queueWrite({ idx: item.idx, outcome });
      else this.turnedBack.push(item.idx);
    }
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

  /** The item's outcome; undefined when a halt turned it back (it stays to be graded). */
  private async grade(item: BatchItemRow): Promise<ItemOutcome | undefined> {
    try {
      const view = await this.deps.evaluate(item.request as unknown as EvaluationInput, this.owner, this.slots, `${this.id}/${item.idx}`);
      return {
        status: "done",
        result: stableResult(view),
        passed: view.passed,
        weighted: view.scores.weighted,
        usage: view.usage,
        cached: view.cached,
      };
    } catch (error) {
      if (error instanceof BatchHalt) {
        this.halt ??= error;
        this.stopping = true;
        return undefined;
      }
      const { problem, logged } = itemProblem(error);
      if (logged) console.error(`[batch ${this.id} item ${item.idx}]`, error);
      return { status: "failed", problem, usage: { upstream_calls: 0, prompt_tokens: 0, completion_tokens: 0 }, cached: false };
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
   * Renews the lease. A batch whose lease another runner took (this one having been silent too
   * long) is let go; one cancelled by another process is stopped, as a cancel here would.
   */
  private async renewLease(): Promise<void> {
    try {
      const status = await this.deps.store.renewLease(this.id, this.deps.runner.id, this.deps.now());
      if (status === "running") return;
      if (status === null) {
        console.error(`[batch ${this.id}] another process took over the batch; stopping here`);
        this.leaseLost = true;
      }
      this.stopping = true;
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
      if (this.halt && !this.leaseLost) {
        const row = await store.batchById(this.id);
        if (row?.status === "running") await store.setStatus(this.id, this.halt.status, null, this.halt.reason, this.halt.until);
      }
      if (this.stopping) return;
      const counts = await store.counts(this.id);
      if (counts.pending === 0 && counts.running === 0) {
        const row = await store.batchById(this.id);
        if (row?.status === "running") await store.setStatus(this.id, "completed", this.deps.now());
      }
    } catch (error) {
      console.error(`[batch ${this.id}] could not settle`, error);
    } finally {
      clearInterval(this.heartbeat);
      await store.dropLease(this.id, this.deps.runner.id).catch((error) => console.error(`[batch ${this.id}] could not drop the lease`, error));
    }
  }
}
