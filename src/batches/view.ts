import type { BatchCounts, BatchItemRow, BatchRow, BatchTotals } from "../store/batch-records";

export interface BatchView {
  id: string;
  status: BatchRow["status"];
  /** Why it is paused, or was cancelled without being asked to (its key was revoked). */
  status_reason: string | null;
  resumes_at: string | null;
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

/** One line of a batch's results: `{custom_id, index, evaluation | problem}` and a newline. */
export function resultLine(row: BatchItemRow): string {
  const line = row.result
    ? { custom_id: row.customId, index: row.idx, evaluation: row.result }
    : { custom_id: row.customId, index: row.idx, problem: row.problem };
  return `${JSON.stringify(line)}\n`;
}

/**
 * A batch as the API shows it. `here`: this process's run of it, when it works on it (its pace is
 * the throughput while the batch runs).
 */
export function batchView(
  row: BatchRow,
  counts: BatchCounts,
  totals: BatchTotals,
  here: { startedAt: number; finishedHere: number } | undefined,
  now: number,
): BatchView {
  const id = row.id;
  const elapsed = here ? (now - here.startedAt) / 1000 : 0;
  const finished = counts.done + counts.failed;
  const lifetime = row.finishedAt === null ? 0 : (row.finishedAt - row.createdAt) / 1000;
  const throughput = here ? (elapsed > 0 && here.finishedHere > 0 ? here.finishedHere / elapsed : null) : lifetime > 0 ? finished / lifetime : null;
  const left = counts.pending + counts.running;
  return {
    id,
    status: row.status,
    status_reason: row.statusReason,
    resumes_at: row.status === "paused" && row.pausedUntil !== null ? new Date(row.pausedUntil).toISOString() : null,
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
