import { type RequestContext, requireObjectScope } from "../context";
import { ProblemError } from "../errors";
import type { EvaluationInput } from "../judge/judge";
import type { BatchItemRow, BatchRow } from "../store/batch-records";
import { fingerprint } from "../store/fingerprint";
import type { BatchStore, ItemClaims } from "../store/ports";
import type { BatchOwner, Evaluate } from "./grade";
import { BatchIntake, STAGING_EXPIRY_MS, stagedAt } from "./intake";
import { LocalRunner } from "./local-runner";
import { type BatchQueue, QueueRunner } from "./queue-runner";
import { QueueWork } from "./queue-work";
import type { DeliverySlots } from "./slot-pool";
import { LEASE_MS, type Runner } from "./run";
import type { BatchRunner } from "./runner";
import { type BatchView, batchView } from "./view";

export { BatchHalt, type BatchOwner } from "./grade";
export type { Runner } from "./run";
export { type BatchView, resultLine } from "./view";

export interface BatchItemInput extends EvaluationInput {
  custom_id?: string | undefined;
}

/** Batches on a Cloudflare Queue (Workers): the producer, and what the consumers need. */
export interface QueueDeps {
  queue: BatchQueue;
  /** The consumers' hold on the items their messages name. */
  claims: ItemClaims;
  /** A batch's upstream slots for one delivery, shared with every consumer. */
  slotsFor: (row: BatchRow) => DeliverySlots;
  /** Seconds before a message that failed `attempts` times is delivered again. */
  retryDelaySeconds: (attempts: number) => number;
}

export interface BatchServiceDeps {
  store: BatchStore;
  /** Grades one item as its owner (see Evaluate), its upstream calls each taking one of the batch's slots. */
  evaluate: Evaluate;
  /** Upstream calls in flight per batch when the request names none: the upstream concurrency limit. */
  defaultConcurrency: number;
  /**
   * Workers: items go to this queue and its consumers grade them (QueueRunner, QueueWork). Without
   * it, this process grades them (LocalRunner, Node).
   */
  queue?: QueueDeps;
  /** Node: who works on batches here (default: a random id, other runners known gone only by their silence). */
  runner?: Runner;
  /** Node: how long a silent runner keeps its lease (default LEASE_MS). */
  leaseMs?: number;
  now?: () => number;
}

/** Told when items of a batch finish or its status changes; `ended`: this process stopped working on it. */
type Listener = (ended: boolean) => void;

/**
 * Batches of evaluations, graded in the background with every item's state in the database: the
 * same operations and answers on every runtime. Who grades the items is the runner's business (see
 * BatchRunner): this process on Node, queue consumers on Workers.
 */
export class BatchService {
  private readonly runner: BatchRunner;
  /** On Workers: handles what the batch queue delivers. */
  readonly consumer: QueueWork | undefined;
  // Plain listener sets rather than node:events, so that the module loads on Workers too.
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly now: () => number;
  private sweeper: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly deps: BatchServiceDeps) {
    this.now = deps.now ?? Date.now;
    const { store, evaluate, queue } = deps;
    if (queue) {
      const runner = new QueueRunner(store, queue.queue, this.now);
      this.runner = runner;
      this.consumer = new QueueWork({
        store,
        claims: queue.claims,
        evaluate,
        queue: queue.queue,
        runner,
        slotsFor: queue.slotsFor,
        resume: (id) => this.resumePaused(id),
        retryDelaySeconds: queue.retryDelaySeconds,
        now: this.now,
      });
    } else {
      this.runner = new LocalRunner({
        store,
        evaluate,
        runner: deps.runner ?? { id: `runner/${crypto.randomUUID()}`, gone: () => false },
        leaseMs: deps.leaseMs ?? LEASE_MS,
        now: this.now,
        changed: (id, ended) => this.emit(id, ended),
        resume: (id) => this.resumePaused(id),
      });
      this.consumer = undefined;
    }
  }

  private get leaseMs(): number {
    return this.deps.leaseMs ?? LEASE_MS;
  }

  /** A batch id names its content: the same items (custom ids included) give the same batch. */
  static async idFor(items: BatchItemInput[], tenant: string): Promise<string> {
    return `ba_${(await fingerprint({ kind: "batch", tenant, items })).slice(0, 32)}`;
  }

  /**
   * The batch operations as a request may use them: another tenant's batch is not found (404,
   * as for every object), and new batches belong to the request's tenant and run under its key.
   */
  forContext(ctx: RequestContext) {
    requireObjectScope(ctx, "batch");
    const owner: BatchOwner = { tenant: ctx.tenant, keyId: ctx.principal.keyId };
    const own = async (id: string) => {
      const row = await this.get(id);
      if (row.tenant !== owner.tenant) throw new ProblemError("not_found", `no batch with id ${id}`);
      return row;
    };
    return {
      create: (items: Iterable<BatchItemInput> | AsyncIterable<BatchItemInput>, concurrency?: number) => this.create(items, concurrency, owner),
      get: own,
      view: async (id: string) => {
        await own(id);
        return this.view(id);
      },
      cancel: async (id: string) => {
        await own(id);
        return this.cancel(id);
      },
      retry: async (id: string) => {
        await own(id);
        return this.retry(id);
      },
      resultsPage: (id: string, after: number, limit: number, before?: number) => this.resultsPage(id, after, limit, before),
      firstUnfinished: (id: string) => this.deps.store.firstUnfinished(id),
      subscribe: (id: string, listener: Listener) => this.subscribe(id, listener),
    };
  }

  /**
   * Stores the items and the batch (or finds the batch already stored under the same content) and
   * starts working on it in the background. The items may arrive as they are read (a request body
   * parsed as a stream): they are stored as they come, a group at a time (see BatchIntake), and
   * dropped if the source fails part-way.
   */
  async create(items: Iterable<BatchItemInput> | AsyncIterable<BatchItemInput>, concurrency: number | undefined, owner: BatchOwner): Promise<BatchView> {
    const intake = new BatchIntake(this.deps.store, this.now());
    let id: string;
    try {
      for await (const item of items) await intake.add(item);
      if (intake.count === 0) {
        throw new ProblemError("validation_failed", "a batch needs at least one item", [{ path: "", message: "no items" }]);
      }
      id = await intake.finish({
        tenant: owner.tenant,
        keyId: owner.keyId,
        concurrency: concurrency ?? this.deps.defaultConcurrency,
        createdAt: this.now(),
      });
    } catch (error) {
      await intake.discard();
      throw error;
    }
    await this.runner.start(id);
    // Where no sweep runs (Workers), uploads that died are dropped as later ones arrive.
    await this.dropDeadUploads().catch((error) => console.error("could not drop staged items of uploads that died", error));
    return this.view(id);
  }

  /** Drops the items staged by uploads that began more than STAGING_EXPIRY_MS ago (they died). */
  private async dropDeadUploads(): Promise<void> {
    for (const staging of await this.deps.store.stagingIds()) {
      if (stagedAt(staging) < this.now() - STAGING_EXPIRY_MS) await this.deps.store.discardStaged(staging);
    }
  }

  /** Resumes every batch left running (by a process that was killed, say); paused ones wake when their time comes. */
  resumeAll(): Promise<string[]> {
    return this.runner.resumeAll();
  }

  /**
   * Looks, every `intervalMs` (default: half a lease), for running batches nobody works on (their
   * runner gone, or silent for a lease) and takes them over, so that a batch whose process died
   * while this one was up does not wait for a restart. Drops what uploads that died left staged.
   */
  sweepEvery(intervalMs = this.leaseMs / 2): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = setInterval(() => void this.sweep(), intervalMs);
    (this.sweeper as { unref?: () => void }).unref?.();
  }

  /** One sweep (see `sweepEvery`). */
  async sweep(): Promise<void> {
    try {
      await this.resumeAll();
      await this.dropDeadUploads();
    } catch (error) {
      console.error("batch sweep failed", error);
    }
  }

  /** Resumes a paused batch (its pause has ended): it runs again from its pending items. */
  async resumePaused(id: string): Promise<void> {
    if (await this.deps.store.setStatus(id, "running", null, null, null, "paused")) await this.runner.start(id);
  }

  async get(id: string): Promise<BatchRow> {
    const row = await this.deps.store.batchById(id);
    if (!row) throw new ProblemError("not_found", `no batch with id ${id}`);
    return row;
  }

  async view(id: string): Promise<BatchView> {
    const row = await this.get(id);
    const [counts, totals] = await Promise.all([this.deps.store.counts(id), this.deps.store.totals(id)]);
    return batchView(row, counts, totals, row.status === "running" ? this.runner.pace(row, counts) : undefined, this.now());
  }

  /** Stops taking new items; those running finish and are recorded. Pending items stay pending. */
  async cancel(id: string): Promise<BatchView> {
    const row = await this.get(id);
    if (row.status === "running" || row.status === "paused") {
      await this.deps.store.setStatus(id, "cancelled", null);
      await this.runner.halt(id);
      this.emit(id, true);
    }
    return this.view(id);
  }

  /** Puts the failed items back in the queue and runs the batch again (a cancelled or paused one resumes too). */
  async retry(id: string): Promise<BatchView> {
    await this.get(id);
    await this.deps.store.requeueFailed(id);
    await this.deps.store.setStatus(id, "running", null);
    await this.runner.start(id);
    return this.view(id);
  }

  /** Finished items after index `after` (and before `before`), in input order. */
  resultsPage(id: string, after: number, limit: number, before?: number): Promise<BatchItemRow[]> {
    return this.deps.store.finishedPage(id, after, limit, before);
  }

  /**
   * Calls `listener` whenever items of the batch finish or its status changes (with `ended` true
   * once this process has stopped working on it); returns the unsubscribe. Where other processes
   * grade the items (queue consumers), nobody calls: the events route reads the batch every second.
   */
  subscribe(id: string, listener: Listener): () => void {
    const set = this.listeners.get(id) ?? new Set();
    set.add(listener);
    this.listeners.set(id, set);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(id) === set) this.listeners.delete(id);
    };
  }

  /** Stops every worker after its current item (graceful shutdown); what is left resumes next start. */
  async stop(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    await this.runner.stop();
  }

  /** Resolves when the batch is no longer worked on by this process and its status is settled. */
  idle(id: string): Promise<void> {
    return this.runner.idle(id);
  }

  private emit(id: string, ended = false) {
    for (const listener of this.listeners.get(id) ?? []) listener(ended);
  }
}
