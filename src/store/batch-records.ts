// Batches and their items as the batch service sees them, whatever the engine (see records.ts).
import type { EvaluationInput } from "../judge/inputs";
import type { Usage } from "../llm/usage";

/**
 * Items of a batch still arriving are stored under a staging name, `up_<epoch ms>_<random>`, until
 * the whole body has been read and has named the batch (see BatchIntake).
 */
export const STAGING_PREFIX = "up_";

export type BatchStatus = "running" | "paused" | "cancelled" | "completed";
export type ItemStatus = "pending" | "running" | "done" | "failed";

/**
 * A batch of evaluations. Its id is derived from the content of its items, so the same input sent
 * again names the same batch (and resumes it). Times are epoch milliseconds.
 */
export interface BatchRow {
  id: string;
  /** The tenant that owns the batch, and the key whose usage its items are booked to. */
  tenant: string;
  keyId: string | null;
  status: BatchStatus;
  /** Why the batch is paused or cancelled when it was not asked to be (a spent budget, a revoked key). */
  statusReason: string | null;
  /** A paused batch resumes at this epoch ms (the next UTC day, when its owner's budget renews). */
  pausedUntil: number | null;
  total: number;
  concurrency: number;
  createdAt: number;
  finishedAt: number | null;
  /** The runner (process) working on the batch, and when it last said so: its lease. */
  runner: string | null;
  heartbeatAt: number | null;
}
export type NewBatchRow = Pick<BatchRow, "id" | "tenant" | "keyId" | "status" | "total" | "concurrency" | "createdAt">;

/**
 * One item of a batch, in input order. Its state moves pending → running → done | failed; an item
 * found "running" when no worker holds it (after a crash) goes back to pending. `result` is the
 * evaluation without `cached` and `usage`, which depend on timing; those are fields of their own.
 */
export interface BatchItemRow {
  batchId: string;
  idx: number;
  status: ItemStatus;
  passed: boolean | null;
  weighted: number | null;
  cached: boolean | null;
  upstreamCalls: number | null;
  promptTokens: number | null;
  completionTokens: number | null;
  finishedAt: number | null;
  customId: string | null;
  /** The item as it was sent, less its custom id: validated before it was stored. */
  request: EvaluationInput;
  result: Record<string, unknown> | null;
  problem: Record<string, unknown> | null;
  /** On Workers, the queue message that holds a running item (see src/batches/queue-work.ts). */
  claim: string | null;
}

export interface NewBatchItem {
  idx: number;
  customId: string | null;
  request: EvaluationInput;
}

export interface ItemOutcome {
  status: "done" | "failed";
  result?: Record<string, unknown>;
  problem?: Record<string, unknown>;
  passed?: boolean;
  weighted?: number;
  usage: Usage;
  cached: boolean;
}

/** An item's final state, for `finishItems`. */
export interface FinishedItem {
  idx: number;
  outcome: ItemOutcome;
}

export type BatchCounts = Record<ItemStatus, number>;

export interface BatchTotals {
  done: number;
  passed: number;
  weightedSum: number;
  cacheHits: number;
  usage: Usage;
}
