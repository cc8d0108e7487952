import { type RequestContext, requireObjectScope } from "../context";
import { ProblemError } from "../errors";
import type { EvaluationInput } from "../judge/judge";
import { fingerprint } from "../store/fingerprint";
import type { BatchItemRow, BatchRow, BatchStore } from "../store/batch-store";
import { BatchIntake, STAGING_EXPIRY_MS, stagedAt } from "./intake";
import { type BatchOwner, BatchRun, type Evaluate, LEASE_MS, type Runner } from "./run";
import { WakeUps } from "./wake-ups";

import { type BatchView, batchView } from "./view";

export { BatchHalt, type BatchOwner, type Runner } from "./run";
export { type BatchView, resultLine } from "./view";

export interface BatchItemInput extends EvaluationInput {
  custom_id?: string | undefined;
}

export interface BatchServiceDeps {
  store: BatchStore;
  /** Grades one item as its owner (see Evaluate), its upstream calls each taking one of the batch's slots. */
  evaluate: Evaluate;
  /** Upstream calls in flight per batch when the request names none: the upstream concurrency limit. */
  defaultConcurrency: number;
  /** Who works on batches here (default: a random id, other runners known gone only by their silence). */
  runner?: Runner;
  /** How long a silent runner keeps its lease (default LEASE_MS). */
  leaseMs?: number;
  now?: () => number;
}

/** Told when items of a batch finish or its status changes; `ended`: this process stopped working on it. */
type Listener = (ended: boolean) => void;

/** A batch this process works on, and the end of that work (its run settled and forgotten here). */
interface Active {
  run: BatchRun;
  done: Promise<void>;
}

/**
 * Runs batches of evaluations in the background, item by item through the judge (and so through
 * its cache and upstream limiter), with every item's state in the database (see BatchRun). One
 * process at a time works on a batch: the one holding its lease. A batch found running at start-up
 * resumes once its lease is free: items that were running (claimed, or finished but not yet
 * written) when the process died are graded again, and their grading is served from the cache,
 * where it was stored before the item counted as finished, so nothing is paid for twice.
 */
export class BatchService {
  private readonly active = new Map<string, Active>();
  private readonly starting = new Map<string, Promise<void>>();
  // Plain listener sets rather than node:events, so that the module loads on Workers too.
  private readonly listeners = new Map<string, Set<Listener>>();
  /** Paused batches waiting for their owner's budget to renew. */
  private readonly wakeUps: WakeUps;
  private readonly now: () => number;

  private readonly runner: Runner;
  private sweeper: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly deps: BatchServiceDeps) {
    this.now = deps.now ?? Date.now;
    this.wakeUps = new WakeUps(this.now);
    this.runner = deps.runner ?? { id: `runner/${crypto.randomUUID()}`, gone: () => false };
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
      create: (items: Iterable<BatchItemInput> | AsyncIterable<BatchItemInput>, concurrency?: number) =>
        this.create(items, concurrency, owner),
      get: own,
      view: async (id: string) => (await own(id), this.view(id)),
      cancel: async (id: string) => (await own(id), this.cancel(id)),
      retry: async (id: string) => (await own(id), this.retry(id)),
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
  async create(
    items: Iterable<BatchItemInput> | AsyncIterable<BatchItemInput>,
    concurrency: number | undefined,
    owner: BatchOwner,
  ): Promise<BatchView> {
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
    await this.start(id);
    return this.view(id);
  }

  /** Resumes every batch left running (by a process that was killed, say); paused ones wake when their time comes. */
  async resumeAll(): Promise<string[]> {
    const ids = await this.deps.store.batchIdsWithStatus("running");
    for (const id of ids) await this.start(id);
    for (const id of await this.deps.store.batchIdsWithStatus("paused")) await this.wakeLater(id);
    return ids;
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

  /** One sweep (see `sweepEvery`); returns the batches this process works on afterwards. */
  async sweep(): Promise<string[]> {
    try {
      await this.resumeAll();
      for (const staging of await this.deps.store.stagingIds()) {
        if (stagedAt(staging) < this.now() - STAGING_EXPIRY_MS) await this.deps.store.discardStaged(staging);
      }
    } catch (error) {
      console.error("batch sweep failed", error);
    }
    return [...this.active.keys()];
  }

  /** Resumes a paused batch when its pause ends (at once if it has). */
  private async wakeLater(id: string): Promise<void> {
    const row = await this.get(id);
    if (row.status !== "paused") return;
    this.wakeUps.schedule(id, row.pausedUntil ?? 0, async () => {
      if ((await this.get(id)).status !== "paused") return;
      await this.deps.store.setStatus(id, "running", null);
      await this.start(id);
    });
  }

  async get(id: string): Promise<BatchRow> {
    const row = await this.deps.store.batchById(id);
    if (!row) throw new ProblemError("not_found", `no batch with id ${id}`);
    return row;
  }

  async view(id: string): Promise<BatchView> {
    const row = await this.get(id);
    const [counts, totals] = await Promise.all([this.deps.store.counts(id), this.deps.store.totals(id)]);
    const active = this.active.get(id);
    return batchView(row, counts, totals, active && { startedAt: active.run.startedAt, finishedHere: active.run.finishedHere }, this.now());
  }

  /** Stops taking new items; those running finish and are recorded. Pending items stay pending. */
  async cancel(id: string): Promise<BatchView> {
    const row = await this.get(id);
    if (row.status === "running" || row.status === "paused") {
      await this.deps.store.setStatus(id, "cancelled", null);
      const active = this.active.get(id);
      if (active) {
        active.run.stop();
        await active.done;
      }
      this.emit(id, true);
    }
    return this.view(id);
  }

  /** Puts the failed items back in the queue and runs the batch again (a cancelled one resumes too). */
  async retry(id: string): Promise<BatchView> {
    await this.get(id);
    await this.deps.store.requeueFailed(id);
    await this.deps.store.setStatus(id, "running", null);
    await this.start(id);
    return this.view(id);
  }

  /** Finished items after index `after` (and before `before`), in input order. */
  resultsPage(id: string, after: number, limit: number, before?: number): Promise<BatchItemRow[]> {
    return this.deps.store.finishedPage(id, after, limit, before);
  }

  /**
   * Calls `listener` whenever items of the batch finish or its status changes (with `ended` true
   * once this process has stopped working on it); returns the unsubscribe.
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
    this.wakeUps.clear();
    const all = [...this.active.values()];
    for (const a of all) a.run.stop();
    await Promise.all(all.map((a) => a.done));
  }

  /** Resolves when the batch is no longer worked on by this process and its status is settled. */
  async idle(id: string): Promise<void> {
    await this.active.get(id)?.done;
  }

  private emit(id: string, ended = false) {
    for (const listener of this.listeners.get(id) ?? []) listener(ended);
  }

  /** Starts of one batch are serialised, so two requests for it never start two sets of workers. */
  private start(id: string): Promise<void> {
    const pending = this.starting.get(id);
    if (pending) return pending;
    const started = this.startNow(id).finally(() => this.starting.delete(id));
    this.starting.set(id, started);
    return started;
  }

  private async startNow(id: string): Promise<void> {
    const existing = this.active.get(id);
    if (existing && !existing.run.stopped) return;
    // A cancelled run still finishing its last items must be out of the way first.
    if (existing) await existing.done;
    const row = await this.get(id);
    if (row.status !== "running") return;
    // Another process at work on it keeps it; this one follows its progress in the database.
    if (!(await this.takeLease(row))) return;
    // No worker of this process holds any of its items, and the lease says no live process does,
    // so "running" ones are a dead process's.
    await this.deps.store.requeueRunning(id);
    const { store, evaluate } = this.deps;
    const run = new BatchRun(id, { tenant: row.tenant, keyId: row.keyId }, Math.max(1, row.concurrency), {
      store,
      evaluate,
      runner: this.runner,
      leaseMs: this.leaseMs,
      now: this.now,
      written: () => this.emit(id),
    });
    const active: Active = {
      run,
      done: run.done.then(async () => {
        if (this.active.get(id) === active) this.active.delete(id);
        // A batch its run paused (its owner's budget is spent) wakes when the budget renews.
        await this.wakeLater(id).catch((error) => console.error(`[batch ${id}] could not schedule its resumption`, error));
        this.emit(id, true);
      }),
    };
    this.active.set(id, active);
  }

  /** Takes the batch's lease when it is free, already this runner's, stale, or its runner's is gone. */
  private async takeLease(row: BatchRow): Promise<boolean> {
    const held = row.runner;
    const stale = row.heartbeatAt === null || row.heartbeatAt < this.now() - this.leaseMs;
    if (held !== null && held !== this.runner.id && !stale && !this.runner.gone(held)) return false;
    return this.deps.store.takeLease(row.id, held, this.runner.id, this.now());
  }
}
