import { z } from "zod";
import { ProblemError } from "../errors";
import type { Slots } from "../llm/limiter";
import type { ItemClaims } from "../store/batch-claims";
import type { BatchRow, BatchStore } from "../store/batch-store";
import { type BatchHalt, ClaimLost, type Evaluate, gradeItem, itemProblem } from "./grade";
import { type BatchMessage, type BatchQueue, type QueueRunner, itemMessage, sendMessages } from "./queue-runner";

/** A message as a queue delivers it (a Cloudflare Queues `Message` is one). */
export interface Delivered {
  readonly body: unknown;
  /** 1 on the first delivery, one more on each redelivery. */
  readonly attempts: number;
  ack(): void;
  retry(options?: { delaySeconds?: number }): void;
}

export interface QueueWorkDeps {
  store: BatchStore;
  claims: ItemClaims;
  evaluate: Evaluate;
  queue: BatchQueue;
  runner: QueueRunner;
  /** A batch's upstream slots, shared by every consumer (a Durable Object on Workers). */
  slotsFor: (row: BatchRow) => Slots;
  /** Resumes a paused batch whose pause has ended (see BatchService.resumePaused). */
  resume: (id: string) => Promise<void>;
  /** Seconds before a message that failed `attempts` times is delivered again. */
  retryDelaySeconds: (attempts: number) => number;
  now: () => number;
}

const messageSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("item"), batch: z.string(), index: z.number().int().min(0), claim: z.string().min(1) }),
  z.object({ kind: z.literal("dispatch"), batch: z.string(), from: z.number().int().min(0), to: z.number().int().min(0) }),
  z.object({ kind: z.literal("wake"), batch: z.string() }),
]);

type Verdict = "ack" | { retryAfterSeconds: number };

/**
 * The consumer side of batches on a queue. Every message is handled on its own, concurrently with
 * the others of its delivery:
 * - an item message takes its item (ItemClaims) if the batch is running, grades it through
 *   `gradeItem` with the batch's shared slots, and records it; a message delivered again finds
 *   the grading stored (a cache hit, no upstream call) and records the item once;
 * - an item the upstream failed (an outage) is retried by the queue, with backoff, up to the
 *   consumer's `max_retries`, the attempt's problem kept on the item; past them the message lands in
 *   the dead-letter queue, whose consumer records the item `failed` with that problem;
 * - an item refused by the circuit breaker (or whose slot wait ran out) is not failing: it goes back
 *   to pending and a fresh message, whose attempts start again, is sent for when calls may go through;
 * - a halt (revoked key, spent budget) puts the item back and cancels or pauses the batch; a paused
 *   batch gets a `wake` message for when its budget renews.
 * A batch whose last items a delivery finished is then marked completed.
 */
export class QueueWork {
  constructor(private readonly deps: QueueWorkDeps) {}

  /** Handles one delivery of the batch queue, or (`dead`) of its dead-letter queue. */
  async deliver(messages: readonly Delivered[], dead: boolean): Promise<void> {
    const finishedIn = new Set<string>();
    // Messages of one delivery mostly belong to one batch: its row is read once.
    const rows = new Map<string, Promise<BatchRow | undefined>>();
    const batch = (id: string) => {
      let row = rows.get(id);
      if (!row) rows.set(id, (row = this.deps.store.batchById(id)));
      return row;
    };
    await Promise.all(
      messages.map(async (message) => {
        const parsed = messageSchema.safeParse(message.body);
        if (!parsed.success) {
          console.error("batch queue: dropped a message that is not a batch message", JSON.stringify(message.body)?.slice(0, 200));
          return message.ack();
        }
        const body = parsed.data;
        try {
          const verdict = dead ? await this.deadLetter(body, message.attempts, finishedIn) : await this.receive(body, message.attempts, batch, finishedIn);
          if (verdict === "ack") message.ack();
          else message.retry({ delaySeconds: verdict.retryAfterSeconds });
        } catch (error) {
          console.error(`batch queue: a ${body.kind} message of ${body.batch} failed; the queue delivers it again`, error);
          message.retry({ delaySeconds: this.deps.retryDelaySeconds(message.attempts) });
        }
      }),
    );
    for (const id of finishedIn) {
      await this.deps.store.completeIfFinished(id, this.deps.now()).catch((error) => console.error(`[batch ${id}] could not be completed`, error));
    }
  }

  private receive(body: BatchMessage, attempts: number, batch: (id: string) => Promise<BatchRow | undefined>, finishedIn: Set<string>): Promise<Verdict> {
    switch (body.kind) {
      case "item":
        return this.item(body, attempts, batch, finishedIn);
      case "dispatch":
        return this.dispatch(body, batch);
      case "wake":
        return this.wake(body);
    }
  }

  private async item(
    m: Extract<BatchMessage, { kind: "item" }>,
    attempts: number,
    batch: (id: string) => Promise<BatchRow | undefined>,
    finishedIn: Set<string>,
  ): Promise<Verdict> {
    const { claims, store } = this.deps;
    const row = await batch(m.batch);
    if (row?.status !== "running") {
      // Cancelled or paused: the item waits as pending, for a retry or the wake-up to send it again.
      if (row) await claims.releaseItem(m.batch, m.index, m.claim);
      return "ack";
    }
    const item = await claims.claimItem(m.batch, m.index, m.claim);
    if (!item) return "ack";
    const graded = await gradeItem(this.deps.evaluate, item, { tenant: row.tenant, keyId: row.keyId }, this.whileRunning(row), `${m.batch}/${m.index}`);
    switch (graded.kind) {
      case "finished":
        await store.finishItems(m.batch, [{ idx: m.index, outcome: graded.outcome }]);
        finishedIn.add(m.batch);
        return "ack";
      case "halted":
        await claims.releaseItem(m.batch, m.index, m.claim);
        await this.halt(row, graded.halt);
        return "ack";
      case "waiting":
        await claims.releaseItem(m.batch, m.index, m.claim);
        await sendMessages(this.deps.queue, [itemMessage(m.batch, m.index)], graded.retryAfterMs);
        return "ack";
      case "outage":
        await claims.noteProblem(m.batch, m.index, m.claim, graded.problem);
        return { retryAfterSeconds: this.deps.retryDelaySeconds(attempts) };
      case "dropped":
        // Cancelled or paused while the item waited for a slot: it waits as pending.
        await claims.releaseItem(m.batch, m.index, m.claim);
        return "ack";
    }
  }

  /**
   * The batch's slots, each taken only while the batch is still running (read from D1 once the
   * slot is free, just before the upstream call): a cancel or pause reaches items that were waiting
   * for a slot in any consumer, as it reaches those not yet delivered.
   */
  private whileRunning(row: BatchRow): Slots {
    const slots = this.deps.slotsFor(row);
    return {
      run: (task, deadline) =>
        slots.run(async () => {
          if ((await this.deps.store.batchById(row.id))?.status !== "running") throw new ClaimLost(`batch ${row.id} is no longer running`);
          return task();
        }, deadline),
    };
  }

  /** Cancels or pauses a running batch as a halt says; the first halt decides, and a pause schedules its wake-up. */
  private async halt(row: BatchRow, halt: BatchHalt): Promise<void> {
    const changed = await this.deps.store.setStatus(row.id, halt.status, null, halt.reason, halt.until, "running");
    if (changed && halt.status === "paused" && halt.until !== null) await this.deps.runner.wakeAt(row.id, halt.until);
  }

  private async dispatch(m: Extract<BatchMessage, { kind: "dispatch" }>, batch: (id: string) => Promise<BatchRow | undefined>): Promise<Verdict> {
    if ((await batch(m.batch))?.status !== "running") return "ack";
    const pending = await this.deps.claims.pendingIndexes(m.batch, m.from, m.to);
    await sendMessages(this.deps.queue, pending.map((index) => itemMessage(m.batch, index)));
    return "ack";
  }

  private async wake(m: Extract<BatchMessage, { kind: "wake" }>): Promise<Verdict> {
    const row = await this.deps.store.batchById(m.batch);
    if (row?.status !== "paused") return "ack";
    const until = row.pausedUntil ?? 0;
    // A pause longer than a message's longest delay is waited for in steps.
    if (until > this.deps.now()) await this.deps.runner.wakeAt(m.batch, until);
    else await this.deps.resume(m.batch);
    return "ack";
  }

  /**
   * A message whose attempts are spent. An item is recorded `failed`, with the problem of its last
   * attempt (or, when its message kept failing before any attempt was made, an internal error), so
   * that its batch completes. Dispatches and wake-ups are tried once more: if they fail again,
   * POST …/retry sends the batch's pending items again.
   */
  private async deadLetter(body: BatchMessage, attempts: number, finishedIn: Set<string>): Promise<Verdict> {
    if (body.kind !== "item") return this.receive(body, attempts, (id) => this.deps.store.batchById(id), finishedIn);
    const fallback = itemProblem(new ProblemError("internal", "the item's queue message kept failing before the item could be graded")).problem;
    if (await this.deps.claims.failUnfinished(body.batch, body.index, fallback)) finishedIn.add(body.batch);
    return "ack";
  }
}
