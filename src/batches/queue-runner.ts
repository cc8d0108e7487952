import type { BatchCounts, BatchRow } from "../store/batch-records";
import type { BatchStore } from "../store/ports";
import type { BatchRunner } from "./runner";

/**
 * What the batch queue carries: references, never bodies (an item's request stays in D1).
 * - `item`: grade item `index` of `batch`; `claim` is this message's own token (see ItemClaims);
 * - `dispatch`: send an `item` message for each pending item of `batch` in [from, to);
 * - `wake`: resume `batch` if it is paused and its pause has ended.
 */
export type BatchMessage =
  | { kind: "item"; batch: string; index: number; claim: string }
  | { kind: "dispatch"; batch: string; from: number; to: number }
  | { kind: "wake"; batch: string };

/** The producer side of a Cloudflare Queue, as much of it as batches use (a Queue binding is one). */
export interface BatchQueue {
  sendBatch(messages: Iterable<{ body: BatchMessage; delaySeconds?: number }>): Promise<unknown>;
}

/** Messages per `sendBatch` at most (a Cloudflare Queues limit, with 256 KB in all). */
const SEND_GROUP = 100;
/** Items one `dispatch` message covers: its consumer sends their messages, five groups of 100. */
const DISPATCH_RANGE = 500;
/** The longest a message may be delayed (a Cloudflare Queues limit: 12 hours). */
const MAX_DELAY_SECONDS = 12 * 60 * 60;

/** Sends messages, a hundred at a time; `delayMs` rounds up to whole seconds, within the 12-hour limit. */
export async function sendMessages(queue: BatchQueue, bodies: BatchMessage[], delayMs = 0): Promise<void> {
  const delaySeconds = Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil(delayMs / 1000)));
  for (let at = 0; at < bodies.length; at += SEND_GROUP) {
    const group = bodies.slice(at, at + SEND_GROUP).map((body) => (delaySeconds > 0 ? { body, delaySeconds } : { body }));
    await queue.sendBatch(group);
  }
}

/** A new `item` message for an item, with a claim of its own. */
export const itemMessage = (batch: string, index: number): BatchMessage => ({ kind: "item", batch, index, claim: crypto.randomUUID() });

/**
 * Batches on a Cloudflare Queue (the Workers runner), producer side: starting a batch sends
 * `dispatch` messages over its items (one per DISPATCH_RANGE, so that even 100,000 items take a
 * request two `sendBatch` calls), and whichever consumer receives a message does the work
 * (src/batches/queue-work.ts). Nothing here holds a batch: a cancel is read from D1 by the
 * consumers, and the pace of a batch is counted over its life from D1.
 */
export class QueueRunner implements BatchRunner {
  constructor(
    private readonly store: BatchStore,
    private readonly queue: BatchQueue,
    private readonly now: () => number,
  ) {}

  /**
   * Sends the messages that grade a running batch's pending items. Starting a batch that is being
   * graded sends its pending items again: the second message for an item finds it taken or
   * finished and does nothing (see ItemClaims), so this costs queue operations, never gradings.
   */
  async start(id: string): Promise<void> {
    const row = await this.store.batchById(id);
    if (row?.status !== "running") return;
    // Nothing left to grade (a retry with no failed item): completed at once, as on Node.
    if (await this.store.completeIfFinished(id, this.now())) return;
    const dispatches: BatchMessage[] = [];
    for (let from = 0; from < row.total; from += DISPATCH_RANGE) {
      dispatches.push({ kind: "dispatch", batch: id, from, to: Math.min(row.total, from + DISPATCH_RANGE) });
    }
    await sendMessages(this.queue, dispatches);
  }

  /** Consumers read the batch's status before each item: nothing to stop here. */
  async halt(_id: string): Promise<void> {}

  /** A `wake` message, delayed until `at` (or 12 hours, after which the consumer sends it on again). */
  async wakeAt(id: string, at: number): Promise<void> {
    await sendMessages(this.queue, [{ kind: "wake", batch: id }], at - this.now());
  }

  /** Over the batch's life: consumers come and go, and none has figures of its own. */
  pace(row: BatchRow, counts: BatchCounts): { startedAt: number; finishedHere: number } {
    return { startedAt: row.createdAt, finishedHere: counts.done + counts.failed };
  }

  async idle(_id: string): Promise<void> {}

  /** Messages outlive any consumer: nothing is left for a new isolate to take up. */
  async resumeAll(): Promise<string[]> {
    return [];
  }

  async stop(): Promise<void> {}
}
