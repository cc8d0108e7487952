import type { BatchCounts, BatchRow } from "../store/batch-records";
import type { BatchStore } from "../store/ports";
import type { Evaluate } from "./grade";
import { BatchRun, type Runner } from "./run";
import type { BatchRunner } from "./runner";
import { WakeUps } from "./wake-ups";

interface LocalRunnerDeps {
  store: BatchStore;
  evaluate: Evaluate;
  /** This process, as named in the leases it takes. */
  runner: Runner;
  leaseMs: number;
  now: () => number;
  /** Told when items of a batch are written, and (`ended`) when this process stops working on it. */
  changed: (id: string, ended: boolean) => void;
  /** Resumes a paused batch whose pause has ended. */
  resume: (id: string) => Promise<void>;
}

/** A batch this process works on, and the end of that work (its run settled and forgotten here). */
interface Active {
  run: BatchRun;
  done: Promise<void>;
}

/**
 * Batches worked on by this process, over the SQLite file it shares with any other process on it.
 * One process at a time works on a batch: the one holding its lease. A batch found running resumes
 * once its lease is free: items that were running (claimed, or finished but not yet written) when
 * its process died are graded again, and their grading is served from the cache, where it was
 * stored before the item counted as finished, so nothing is paid for twice.
 */
export class LocalRunner implements BatchRunner {
  private readonly active = new Map<string, Active>();
  private readonly starting = new Map<string, Promise<void>>();
  /** Paused batches waiting for their owner's budget to renew. */
  private readonly wakeUps: WakeUps;

  constructor(private readonly deps: LocalRunnerDeps) {
    this.wakeUps = new WakeUps(deps.now);
  }

  /** Starts of one batch are serialised, so two requests for it never start two sets of workers. */
  start(id: string): Promise<void> {
    const pending = this.starting.get(id);
    if (pending) return pending;
    const started = this.startNow(id).finally(() => this.starting.delete(id));
    this.starting.set(id, started);
    return started;
  }

  async halt(id: string): Promise<void> {
    const active = this.active.get(id);
    if (!active) return;
    active.run.stop();
    await active.done;
  }

  async wakeAt(id: string, at: number): Promise<void> {
    this.wakeUps.schedule(id, at, () => this.deps.resume(id));
  }

  /** Counted from when this process (re)started the batch. */
  pace(row: BatchRow, _counts: BatchCounts): { startedAt: number; finishedHere: number } | undefined {
    const active = this.active.get(row.id);
    return active && { startedAt: active.run.startedAt, finishedHere: active.run.finishedHere };
  }

  async idle(id: string): Promise<void> {
    await this.active.get(id)?.done;
  }

  /**
   * Resumes every batch left running (by a process that was killed, say) whose lease is free, and
   * returns the ids of the running ones; paused ones wake when their time comes.
   */
  async resumeAll(): Promise<string[]> {
    const { store } = this.deps;
    const ids = await store.batchIdsWithStatus("running");
    for (const id of ids) await this.start(id);
    for (const id of await store.batchIdsWithStatus("paused")) await this.wakeLater(id);
    return ids;
  }

  /** Stops every worker after its current item (graceful shutdown); what is left resumes next start. */
  async stop(): Promise<void> {
    this.wakeUps.clear();
    const all = [...this.active.values()];
    for (const a of all) a.run.stop();
    await Promise.all(all.map((a) => a.done));
  }

  private async wakeLater(id: string): Promise<void> {
    const row = await this.deps.store.batchById(id);
    if (row?.status === "paused") await this.wakeAt(id, row.pausedUntil ?? 0);
  }

  private async startNow(id: string): Promise<void> {
    const existing = this.active.get(id);
    if (existing && !existing.run.stopped) return;
    // A cancelled run still finishing its last items must be out of the way first.
    if (existing) await existing.done;
    const { store, evaluate, now } = this.deps;
    const row = await store.batchById(id);
    if (row?.status !== "running") return;
    // Another process at work on it keeps it; this one follows its progress in the database.
    if (!(await this.takeLease(row))) return;
    // No worker of this process holds any of its items, and the lease says no live process does,
    // so "running" ones are a dead process's.
    await store.requeueRunning(id);
    const run = new BatchRun(id, { tenant: row.tenant, keyId: row.keyId }, Math.max(1, row.concurrency), {
      store,
      evaluate,
      runner: this.deps.runner,
      leaseMs: this.deps.leaseMs,
      now,
      written: () => this.deps.changed(id, false),
    });
    const active: Active = {
      run,
      done: run.done.then(async () => {
        if (this.active.get(id) === active) this.active.delete(id);
        // A batch its run paused (its owner's budget is spent) wakes when the budget renews.
        await this.wakeLater(id).catch((error) => console.error(`[batch ${id}] could not schedule its resumption`, error));
        this.deps.changed(id, true);
      }),
    };
    this.active.set(id, active);
  }

  /** Takes the batch's lease when it is free, already this runner's, stale, or its runner's is gone. */
  private async takeLease(row: BatchRow): Promise<boolean> {
    const { runner, leaseMs, now, store } = this.deps;
    const held = row.runner;
    const stale = row.heartbeatAt === null || row.heartbeatAt < now() - leaseMs;
    if (held !== null && held !== runner.id && !stale && !runner.gone(held)) return false;
    return store.takeLease(row.id, held, runner.id, now());
  }
}
