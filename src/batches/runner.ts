import type { BatchCounts, BatchRow } from "../store/batch-records";

/**
 * What works on batches, behind the batch service: the service stores batches and answers for them
 * (create, view, cancel, retry, results) the same way everywhere; a runner grades their items.
 * - On Node, workers in this process over SQLite, one process per batch under a lease
 *   (`LocalRunner`, src/batches/local-runner.ts).
 * - On Workers, queue consumers over D1: items are sent to a Cloudflare Queue as messages naming
 *   them, and whichever consumer receives one grades it (`QueueRunner`, src/batches/queue-runner.ts,
 *   and the consumer side, src/batches/queue-work.ts).
 * Both grade an item through `gradeItem` (src/batches/grade.ts), and so through the same judge,
 * cache and request context.
 */
export interface BatchRunner {
  /** Works on a running batch: starts, or resumes, its pending items. Idempotent. */
  start(id: string): Promise<void>;
  /** The batch was cancelled: stops taking its items; resolves once no more of it will be written by this runner. */
  halt(id: string): Promise<void>;
  /** Resumes a paused batch at `at` (when its owner's budget renews), or at once if that has passed. */
  wakeAt(id: string, at: number): Promise<void>;
  /**
   * The pace of a running batch, for its throughput and ETA: items finished since when. Undefined
   * when this runner has no figures for it (another process works on it).
   */
  pace(row: BatchRow, counts: BatchCounts): { startedAt: number; finishedHere: number } | undefined;
  /** Resolves when this runner no longer works on the batch and its status is settled. */
  idle(id: string): Promise<void>;
  /** Takes up every batch left running where nobody works on it; the ids it works on. */
  resumeAll(): Promise<string[]>;
  /** Stops all work (a graceful shutdown); what is left resumes later. */
  stop(): Promise<void>;
}
