import { ProblemError, problemBody } from "../errors";
import type { EvaluationInput, EvaluationView } from "../judge/judge";
import { Limiter } from "../llm/limiter";
import { fingerprint } from "../store/fingerprint";
import type { BatchCounts, BatchItemRow, BatchRow, BatchStore, BatchTotals, FinishedItem, ItemOutcome } from "../store/batch-store";

export interface BatchItemInput extends EvaluationInput {
  custom_id?: string | undefined;
}

/** Who a batch belongs to: the tenant that owns it and the key its usage is booked to. */
export interface BatchOwner {
  tenant: string;
  keyId: string | null;
}

const DEFAULT_OWNER: BatchOwner = { tenant: "default", keyId: null };

export interface BatchServiceDeps {
  store: BatchStore;
  /** Grades one item as its owner, its upstream calls each taking one of the batch's slots. */
  evaluate: (input: EvaluationInput, owner: BatchOwner, slots: Limiter) => Promise<EvaluationView>;
  /** Upstream calls in flight per batch when the request names none: the upstream concurrency limit. */
  defaultConcurrency: number;
  now?: () => number;
}

export interface BatchView {
  id: string;
  status: BatchRow["status"];
  total: number;
  concurrency: number;
  counts: BatchCounts;
  /**
   * Items finished per second: by this process since it (re)started the batch while it runs; over
   * the batch's life (restarts included) once it has completed.
   */
  throughput: number | null;
  eta_seconds: number | null;
  summary: {
    items_finished: number;
    pass_rate: number | null;
    mean_weighted: number | null;
    cache_hits: number;
    usage: BatchTotals["usage"];
  };
  created_at: string;
  finished_at: string | null;
}

/**
 * Workers per batch over its concurrency, as a share of it: while some items are in their own
 * work (cache lookups, parsing, storing), others keep every upstream slot busy.
 */
const EXTRA_WORKERS = 0.25;
/** Told when items of a batch finish or its status changes; `ended`: this process stopped working on it. */
type Listener = (ended: boolean) => void;

/** Items claimed from the store at once, and finished items written at once, at most. */
const GROUP_MAX = 64;
/** How long a finished item may wait for others before it is written. */
const FLUSH_MS = 20;

/** The per-process state of a batch this process is working on. */
interface Active {
  startedAt: number;
  finishedHere: number;
  stopping: boolean;
  /** The batch's upstream calls in flight, at most its concurrency. */
  slots: Limiter;
  /** Items claimed (marked running) but not yet taken by a worker, in input order. */
  queue: BatchItemRow[];
  /** The claim under way, which workers that find the queue empty wait for. */
  claiming: Promise<number> | null;
  groupSize: number;
  /** Finished items not yet written; written together, within FLUSH_MS of the first. */
  finished: FinishedItem[];
  flushTimer: ReturnType<typeof setTimeout> | null;
  /** The writes under way, in order. */
  writes: Promise<void>;
  workers: Promise<void>[];
  /** The workers' end, the last writes and the batch's settling after them. */
  done: Promise<void>;
}

/** Everything evaluation results depend on that timing does not: `cached` and `usage` are left out. */
function stableResult(view: EvaluationView): Record<string, unknown> {
  const { cached: _cached, usage: _usage, ...rest } = view;
  return rest;
}

/** One line of a batch's results: `{custom_id, index, evaluation | problem}` and a newline. */
export function resultLine(row: BatchItemRow): string {
  const line = row.result
    ? { custom_id: row.customId, index: row.idx, evaluation: row.result }
    : { custom_id: row.customId, index: row.idx, problem: row.problem };
  return JSON.stringify(line) + "\n";
}

function itemProblem(error: unknown): { problem: Record<string, unknown>; logged: boolean } {
  const known = error instanceof ProblemError;
  const problem = known ? error : new ProblemError("internal", "an unexpected error occurred while grading this item");
  const { instance: _instance, ...body } = problemBody(problem, "batch");
  return { problem: body, logged: !known };
}

/**
 * Runs batches of evaluations in the background, item by item through the judge (and so through
 * its cache and upstream limiter), with every item's state in the database. Items are claimed and
 * their results written in groups, which saves a commit per item. A batch found running at
 * start-up resumes: items that were running (claimed, or finished but not yet written) when the
 * process died are graded again, and their grading is served from the cache, where it was stored
 * before the item counted as finished, so nothing is paid for twice.
 */
export class BatchService {
  private readonly active = new Map<string, Active>();
  private readonly starting = new Map<string, Promise<void>>();
  // Plain listener sets rather than node:events, so that the module loads on Workers too.
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly now: () => number;

  private readonly owners = new Map<string, BatchOwner>();

  constructor(private readonly deps: BatchServiceDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** A batch id names its content: the same items (custom ids included) give the same batch. */
  static async idFor(items: BatchItemInput[], tenant = DEFAULT_OWNER.tenant): Promise<string> {
    return `ba_${(await fingerprint({ kind: "batch", tenant, items })).slice(0, 32)}`;
  }

  /**
   * The batch operations as one owner may use them: another tenant's batch is not found (404,
   * as for every object), and new batches belong to the owner.
   */
  forOwner(owner: BatchOwner) {
    const own = async (id: string) => {
      const row = await this.get(id);
      if (row.tenant !== owner.tenant) throw new ProblemError("not_found", `no batch with id ${id}`);
      return row;
    };
    return {
      create: (items: BatchItemInput[], concurrency?: number) => this.create(items, concurrency, owner),
      get: own,
      view: async (id: string) => (await own(id), this.view(id)),
      cancel: async (id: string) => (await own(id), this.cancel(id)),
      retry: async (id: string) => (await own(id), this.retry(id)),
      resultsPage: (id: string, after: number, limit: number) => this.resultsPage(id, after, limit),
      subscribe: (id: string, listener: Listener) => this.subscribe(id, listener),
    };
  }

  /**
   * Stores the items and the batch (or finds the batch already stored under the same content) and
   * starts working on it in the background.
   */
  async create(items: BatchItemInput[], concurrency?: number, owner: BatchOwner = DEFAULT_OWNER): Promise<BatchView> {
    const id = await BatchService.idFor(items, owner.tenant);
    if (!(await this.deps.store.batchById(id))) {
      await this.deps.store.insertItems(
        id,
        items.map(({ custom_id, ...request }, idx) => ({ idx, customId: custom_id ?? null, request })),
      );
      await this.deps.store.insertBatch({
        id,
        tenant: owner.tenant,
        keyId: owner.keyId,
        status: "running",
        total: items.length,
        concurrency: concurrency ?? this.deps.defaultConcurrency,
        createdAt: this.now(),
      });
    }
    await this.start(id);
    return this.view(id);
  }

  /** Resumes every batch left running, e.g. by a process that was killed. */
  async resumeAll(): Promise<string[]> {
    const ids = await this.deps.store.batchIdsWithStatus("running");
    for (const id of ids) await this.start(id);
    return ids;
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
    const elapsed = active ? (this.now() - active.startedAt) / 1000 : 0;
    const finished = counts.done + counts.failed;
    const lifetime = row.finishedAt === null ? 0 : (row.finishedAt - row.createdAt) / 1000;
    const throughput = active
      ? elapsed > 0 && active.finishedHere > 0 ? active.finishedHere / elapsed : null
      : lifetime > 0 ? finished / lifetime : null;
    const left = counts.pending + counts.running;
    return {
      id,
      status: row.status,
      total: row.total,
      concurrency: row.concurrency,
      counts,
      throughput: throughput === null ? null : Math.round(throughput * 100) / 100,
      eta_seconds: row.status !== "running" ? null : left === 0 ? 0 : throughput ? Math.ceil(left / throughput) : null,
      summary: {
        items_finished: counts.done + counts.failed,
        pass_rate: totals.done > 0 ? totals.passed / totals.done : null,
        mean_weighted: totals.done > 0 ? totals.weightedSum / totals.done : null,
        cache_hits: totals.cacheHits,
        usage: totals.usage,
      },
      created_at: new Date(row.createdAt).toISOString(),
      finished_at: row.finishedAt === null ? null : new Date(row.finishedAt).toISOString(),
    };
  }

  /** Stops taking new items; those running finish and are recorded. Pending items stay pending. */
  async cancel(id: string): Promise<BatchView> {
    const row = await this.get(id);
    if (row.status === "running") {
      await this.deps.store.setStatus(id, "cancelled", null);
      const active = this.active.get(id);
      if (active) {
        active.stopping = true;
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

  /** Finished items after index `after`, in input order. */
  resultsPage(id: string, after: number, limit: number): Promise<BatchItemRow[]> {
    return this.deps.store.finishedPage(id, after, limit);
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
    const all = [...this.active.values()];
    for (const a of all) a.stopping = true;
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
    if (existing && !existing.stopping) return;
    // A cancelled run still finishing its last items must be out of the way first.
    if (existing) await existing.done;
    if (this.active.get(id) === existing) this.active.delete(id);
    const row = await this.get(id);
    if (row.status !== "running") return;
    this.owners.set(id, { tenant: row.tenant, keyId: row.keyId });
    // No worker of this process holds any of its items, so "running" ones are a dead process's.
    await this.deps.store.requeueRunning(id);
    const concurrency = Math.max(1, row.concurrency);
    const workers = concurrency + Math.ceil(concurrency * EXTRA_WORKERS);
    const active: Active = {
      startedAt: this.now(),
      finishedHere: 0,
      stopping: false,
      slots: new Limiter(concurrency),
      queue: [],
      claiming: null,
      groupSize: Math.min(workers, GROUP_MAX),
      finished: [],
      flushTimer: null,
      writes: Promise.resolve(),
      workers: [],
      done: Promise.resolve(),
    };
    this.active.set(id, active);
    active.workers = Array.from({ length: workers }, () => this.work(id, active));
    active.done = Promise.all(active.workers).then(() => this.settle(id, active));
  }

  private async work(id: string, active: Active): Promise<void> {
    for (let item = await this.next(id, active); item; item = await this.next(id, active)) {
      this.finished(id, active, { idx: item.idx, outcome: await this.runItem(id, item, active.slots) });
    }
  }

  /** The next item to grade: from the claimed queue, claiming a group when it is empty. */
  private async next(id: string, active: Active): Promise<BatchItemRow | undefined> {
    while (!active.stopping && active.queue.length === 0) {
      active.claiming ??= this.claim(id, active);
      if ((await active.claiming) === 0) return undefined;
    }
    return active.stopping ? undefined : active.queue.shift();
  }

  /** Claims the next group of pending items into the queue; how many (none when all are taken). */
  private async claim(id: string, active: Active): Promise<number> {
    try {
      const rows = await this.deps.store.claim(id, active.groupSize);
      active.queue.push(...rows);
      return rows.length;
    } catch (error) {
      console.error(`[batch ${id}] could not claim items`, error);
      return 0;
    } finally {
      active.claiming = null;
    }
  }

  private async runItem(id: string, item: BatchItemRow, slots: Limiter): Promise<ItemOutcome> {
    try {
      const view = await this.deps.evaluate(item.request as unknown as EvaluationInput, this.owners.get(id) ?? DEFAULT_OWNER, slots);
      return {
        status: "done",
        result: stableResult(view),
        passed: view.passed,
        weighted: view.scores.weighted,
        usage: view.usage,
        cached: view.cached,
      };
    } catch (error) {
      const { problem, logged } = itemProblem(error);
      if (logged) console.error(`[batch ${id} item ${item.idx}]`, error);
      return { status: "failed", problem, usage: { upstream_calls: 0, prompt_tokens: 0, completion_tokens: 0 }, cached: false };
    }
  }

  /** Queues a finished item for writing: at once when a group is full, else within FLUSH_MS. */
  private finished(id: string, active: Active, item: FinishedItem): void {
    active.finished.push(item);
    if (active.finished.length >= active.groupSize) void this.flush(id, active);
    else active.flushTimer ??= setTimeout(() => void this.flush(id, active), FLUSH_MS);
  }

  /** Writes the finished items queued so far; resolves when every write so far is done. */
  private flush(id: string, active: Active): Promise<void> {
    if (active.flushTimer) clearTimeout(active.flushTimer);
    active.flushTimer = null;
    const group = active.finished.splice(0);
    if (group.length === 0) return active.writes;
    active.writes = active.writes
      .then(() => this.deps.store.finishItems(id, group))
      .then(
        () => {
          active.finishedHere += group.length;
          this.emit(id);
        },
        // Left running, they are graded again (from the cache) when the batch next starts.
        (error) => console.error(`[batch ${id}] could not record ${group.length} finished items`, error),
      );
    return active.writes;
  }

  private async settle(id: string, active: Active): Promise<void> {
    try {
      await this.flush(id, active);
      // Claimed items no worker took (the batch was stopped) go back to the queue.
      await this.deps.store.release(id, active.queue.splice(0).map((item) => item.idx));
      if (active.stopping) return;
      const counts = await this.deps.store.counts(id);
      if (counts.pending === 0 && counts.running === 0) {
        const row = await this.deps.store.batchById(id);
        if (row?.status === "running") await this.deps.store.setStatus(id, "completed", this.now());
      }
    } catch (error) {
      console.error(`[batch ${id}] could not settle`, error);
    } finally {
      if (this.active.get(id) === active) this.active.delete(id);
      this.emit(id, true);
    }
  }
}
