import type { Batch, BatchItem, TickboxClient } from "../../client/src/index";
import { batchProgress, type Progress } from "./progress";
import type { Interruption } from "./signals";

const POLL_MS = 250;
const SETTLE_POLL_MS = 100;

export interface FollowOptions {
  concurrency?: number | undefined;
  /** Put items that failed in an earlier run back in the queue (they are otherwise final). */
  retryFailed?: boolean;
  progress: Progress;
  interruption: Interruption;
}

export interface Followed {
  view: Batch;
  /** Stopped by a signal: the batch is cancelled, nothing is in flight, the next run resumes it. */
  interrupted: boolean;
}

const wait = (ms: number, interruption?: Interruption) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    void interruption?.received.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });

/**
 * Sends the items as a batch and follows it to its end. The batch's id derives from its items, so
 * the same items again name the same batch: a finished one is read back, a cancelled one (an
 * earlier Ctrl-C) resumes where it stopped. A signal cancels the batch and waits until the items
 * in flight are recorded, so that every finished item can then be written.
 */
export async function followBatch(client: TickboxClient, body: BatchItem[] | string, options: FollowOptions): Promise<Followed> {
  let view = await client.post("/v1/batches", { body, query: { concurrency: options.concurrency } });
  const path = { id: view.id };
  const resume = view.status === "cancelled" || (options.retryFailed === true && view.status === "completed" && view.counts.failed > 0);
  if (resume) view = await client.post("/v1/batches/{id}/retry", { path });
  for (;;) {
    options.progress.update(batchProgress(view));
    if (view.status !== "running" || options.interruption.signal) break;
    await wait(POLL_MS, options.interruption);
    view = await client.get("/v1/batches/{id}", { path });
  }
  if (view.status !== "running" || !options.interruption.signal) return { view, interrupted: false };
  await client.post("/v1/batches/{id}/cancel", { path });
  for (;;) {
    view = await client.get("/v1/batches/{id}", { path });
    options.progress.update(batchProgress(view));
    if (view.counts.running === 0) return { view, interrupted: true };
    await wait(SETTLE_POLL_MS);
  }
}

/** A batch's results file (JSON Lines, input order, finished items only) as it streams. */
export function resultBytes(client: TickboxClient, id: string): AsyncIterable<Uint8Array> {
  return client.stream("/v1/batches/{id}/results", { path: { id } });
}
