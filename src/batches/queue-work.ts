import { z } from "zod";
import { ProblemError } from "../errors";
import type { Slots } from "../llm/limiter";
import type { ItemClaims } from "../store/ports";
import type { BatchItemRow, BatchRow, FinishedItem } from "../store/batch-records";
import type { BatchStore } from "../store/ports";
import { type BatchHalt, ClaimLost, type Evaluate, gradeItem, itemProblem } from "./grade";
import { type BatchMessage, type BatchQueue, type QueueRunner, itemMessage, sendMessages } from "./queue-runner";
import type { DeliverySlots } from "./slot-pool";

/** A message as a queue delivers it (a Cloudflare Queues `Message` is one). */
interface Delivered {
  readonly body: unknown;
  /** 1 on the first delivery, one more on each redelivery. */
  readonly attempts: number;
  ack(): void;
  retry(options?: { delaySeconds?: number }): void;
}

interface QueueWorkDeps {
  store: BatchStore;
  claims: ItemClaims;
  evaluate: Evaluate;
  queue: BatchQueue;
  runner: QueueRunner;
  /** A batch's upstream slots for one delivery, shared with every consumer (a Durable Object on Workers). */
  slotsFor: (row: BatchRow) => DeliverySlots;
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

type ItemMessage = Extract<BatchMessage, { kind: "item" }>;
type Received<M extends BatchMessage = BatchMessage> = { message: Delivered; body: M };

/** How long a read of a batch's status stands for its calls: how soon a cancel reaches a delivery's items. */
const STATUS_FRESH_MS = 250;

/**
 * The consumer side of batches on a queue. A delivery's item messages are handled a batch at a
 * time: their items taken in one transaction (ItemClaims), graded concurrently through `gradeItem`
 * with the batch's slots (asked for together: PooledSlots), and recorded in one transaction.
 * - A message delivered again finds its item's grading stored (a cache hit, no upstream call) and
 *   records the item once; a second message for an item finds it taken or finished.
 * - An item the upstream failed (an outage) is retried by the queue, with backoff, up to the
 *   consumer's `max_retries`, the attempt's problem kept on the item; past them the message lands
 *   in the dead-letter queue, whose consumer records the item `failed` with that problem.
 * - An item refused by the circuit breaker (or whose slot wait ran out) is not failing: it goes
 *   back to pending and a fresh message, whose attempts start again, is sent for when calls may go
 *   through.
 * - A halt (revoked key, spent budget) puts the item back and cancels or pauses the batch; a paused
 *   batch gets a `wake` message for when its budget renews. A cancel or pause reaches items waiting
 *   for a slot: the batch's status is read again before each upstream call (at most STATUS_FRESH_MS old).
 * A batch whose last items a delivery finished is then marked completed.
 */
export class QueueWork {
  constructor(private readonly deps: QueueWorkDeps) {}

  /** Handles one delivery of the batch queue, or (`dead`) of its dead-letter queue. */
  async deliver(messages: readonly Delivered[], dead: boolean): Promise<void> {
    const finishedIn = new Set<string>();
    const items = new Map<string, Received<ItemMessage>[]>();
    const others: Received[] = [];
    for (const message of messages) {
      const parsed = messageSchema.safeParse(message.body);
      if (!parsed.success) {
        console.error("batch queue: dropped a message that is not a batch message", JSON.stringify(message.body)?.slice(0, 200));
        message.ack();
      } else if (parsed.data.kind === "item" && !dead) {
        items.set(parsed.data.batch, [...(items.get(parsed.data.batch) ?? []), { message, body: parsed.data }]);
      } else others.push({ message, body: parsed.data });
    }
    await Promise.all([
      ...[...items].map(([batch, received]) => this.items(batch, received, finishedIn)),
      ...others.map((received) => this.settle(received, () => (dead ? this.deadLetter(received, finishedIn) : this.other(received.body)))),
    ]);
    for (const id of finishedIn) {
      await this.deps.store.completeIfFinished(id, this.deps.now()).catch((error) => console.error(`[batch ${id}] could not be completed`, error));
    }
  }

  /**
   * Acks or retries a message as `handle` decides ("later": its item's record is written with
   * others, and the message acked then); an error retries it, with backoff.
   */
  private async settle({ message, body }: Received, handle: () => Promise<"ack" | "later" | { retryAfterSeconds: number }>): Promise<void> {
    try {
      const verdict = await handle();
      if (verdict === "ack") message.ack();
      else if (verdict !== "later") message.retry({ delaySeconds: verdict.retryAfterSeconds });
    } catch (error) {
      console.error(`batch queue: a ${body.kind} message of ${body.batch} failed; the queue delivers it again`, error);
      message.retry({ delaySeconds: this.deps.retryDelaySeconds(message.attempts) });
    }
  }

  /** One delivery's messages for the items of one batch. */
  private async items(batchId: string, received: Received<ItemMessage>[], finishedIn: Set<string>): Promise<void> {
    const { store, claims } = this.deps;
    const held = received.map(({ body }) => ({ idx: body.index, claim: body.claim }));
    let row: BatchRow | undefined;
    let taken: Map<number, BatchItemRow>;
    try {
      row = await store.batchById(batchId);
      if (row?.status !== "running") {
        // Cancelled or paused: the items wait as pending, for a retry or the wake-up to send them again.
        if (row) await claims.releaseItems(batchId, held);
        for (const { message } of received) message.ack();
        return;
      }
      taken = await claims.claimItems(batchId, held);
    } catch (error) {
      console.error(`[batch ${batchId}] could not take its items; the queue delivers them again`, error);
      for (const { message } of received) message.retry({ delaySeconds: this.deps.retryDelaySeconds(message.attempts) });
      return;
    }
    const running = row;
    const delivery = this.deps.slotsFor(running);
    const slots = this.whileRunning(running, delivery);
    const finished: { received: Received<ItemMessage>; item: FinishedItem }[] = [];
    try {
      await Promise.all(
        received.map((one) => {
          const item = taken.get(one.body.index);
          // Finished, or another message's (a second message for the same item): nothing to do.
          if (item?.claim !== one.body.claim) return one.message.ack();
          return this.settle(one, async () => {
            const outcome = await this.grade(running, item, one, slots);
            if (outcome === "ack" || "retryAfterSeconds" in outcome) return outcome;
            finished.push({ received: one, item: { idx: item.idx, outcome } });
            return "later" as const;
          });
        }),
      );
    } finally {
      await delivery.close();
    }
    if (finished.length === 0) return;
    try {
      await store.finishItems(
        batchId,
        finished.map((f) => f.item),
      );
      finishedIn.add(batchId);
      for (const f of finished) f.received.message.ack();
    } catch (error) {
      // Left running, they are graded again (from the cache) when delivered again.
      console.error(`[batch ${batchId}] could not record ${finished.length} finished items; the queue delivers them again`, error);
      for (const { received: r } of finished) r.message.retry({ delaySeconds: this.deps.retryDelaySeconds(r.message.attempts) });
    }
  }

  /** One attempt at a taken item: its outcome to record, or what becomes of its message. */
  private async grade(row: BatchRow, item: BatchItemRow, { message, body }: Received<ItemMessage>, slots: Slots) {
    const { claims, queue } = this.deps;
    const graded = await gradeItem(this.deps.evaluate, item, { tenant: row.tenant, keyId: row.keyId }, slots, `${row.id}/${item.idx}`);
    const release = () => claims.releaseItems(row.id, [{ idx: item.idx, claim: body.claim }]);
    switch (graded.kind) {
      case "finished":
        return graded.outcome;
      case "halted":
        await release();
        await this.halt(row, graded.halt);
        return "ack" as const;
      case "waiting":
        await release();
        await sendMessages(queue, [itemMessage(row.id, item.idx)], graded.retryAfterMs);
        return "ack" as const;
      case "dropped":
        // Cancelled or paused while it waited for a slot: it waits as pending.
        await release();
        return "ack" as const;
      case "outage":
        await claims.noteProblem(row.id, item.idx, body.claim, graded.problem);
        return { retryAfterSeconds: this.deps.retryDelaySeconds(message.attempts) };
    }
  }

  /**
   * The batch's slots, each taken only while the batch is still running (read from D1 once the slot
   * is free, just before the upstream call, and taken to stand for STATUS_FRESH_MS).
   */
  private whileRunning(row: BatchRow, slots: Slots): Slots {
    let read: { at: number; running: Promise<boolean> } | undefined;
    const running = () => {
      const now = this.deps.now();
      if (!read || now - read.at > STATUS_FRESH_MS) {
        read = { at: now, running: this.deps.store.batchById(row.id).then((r) => r?.status === "running") };
      }
      return read.running;
    };
    return {
      run: (task, deadline) =>
        slots.run(async () => {
          if (!(await running())) throw new ClaimLost(`batch ${row.id} is no longer running`);
          return task();
        }, deadline),
    };
  }

  /** Cancels or pauses a running batch as a halt says; the first halt decides, and a pause schedules its wake-up. */
  private async halt(row: BatchRow, halt: BatchHalt): Promise<void> {
    const changed = await this.deps.store.setStatus(row.id, halt.status, null, halt.reason, halt.until, "running");
    if (changed && halt.status === "paused" && halt.until !== null) await this.deps.runner.wakeAt(row.id, halt.until);
  }

  private other(body: BatchMessage): Promise<"ack"> {
    switch (body.kind) {
      case "dispatch":
        return this.dispatch(body);
      case "wake":
        return this.wake(body);
      case "item":
        throw new Error("item messages are handled by batch");
    }
  }

  private async dispatch(m: Extract<BatchMessage, { kind: "dispatch" }>): Promise<"ack"> {
    if ((await this.deps.store.batchById(m.batch))?.status !== "running") return "ack";
    const pending = await this.deps.claims.pendingIndexes(m.batch, m.from, m.to);
    await sendMessages(
      this.deps.queue,
      pending.map((index) => itemMessage(m.batch, index)),
    );
    return "ack";
  }

  private async wake(m: Extract<BatchMessage, { kind: "wake" }>): Promise<"ack"> {
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
  private async deadLetter({ body }: Received, finishedIn: Set<string>): Promise<"ack"> {
    if (body.kind !== "item") return this.other(body);
    const fallback = itemProblem(new ProblemError("internal", "the item's queue message kept failing before the item could be graded")).problem;
    if (await this.deps.claims.failUnfinished(body.batch, body.index, fallback)) finishedIn.add(body.batch);
    return "ack";
  }
}
