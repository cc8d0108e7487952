import type { BatchCounts, BatchItemRow, BatchRow, BatchTotals } from "../store/batch-store";

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
  return JSON.stringify(line) + "\n";
}
