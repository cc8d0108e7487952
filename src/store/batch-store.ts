import { type SQLWrapper, and, asc, eq, gt, gte, inArray, isNull, lt, notExists, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { BatchCounts, BatchItemRow, BatchRow, BatchStatus, BatchTotals, FinishedItem, ItemStatus, NewBatchItem } from "./batch-records";
import { STAGING_PREFIX } from "./batch-records";
import type { SqlDatabase } from "./database";
import type { BatchStore } from "./ports";
import { batchItems, batches } from "./schema-batches";

/** The values `finishItems` writes, one set per item. */
function finishParams(batchId: string, items: FinishedItem[], finishedAt: number) {
  return items.map(({ idx, outcome }) => ({
    batchId,
    idx,
    status: outcome.status,
    result: outcome.result ?? null,
    problem: outcome.problem ?? null,
    passed: outcome.passed ?? null,
    weighted: outcome.weighted ?? null,
    cached: outcome.cached,
    upstreamCalls: outcome.usage.upstream_calls,
    promptTokens: outcome.usage.prompt_tokens,
    completionTokens: outcome.usage.completion_tokens,
    finishedAt,
  }));
}
type FinishValues = ReturnType<typeof finishParams>[number];

/** A placeholder for a column's value in a prepared UPDATE, its value encoded as the column encodes it. */
const placeheld = <C extends SQLiteColumn>(column: C, name: keyof FinishValues) => sql<C["_"]["data"]>`${sql.param(sql.placeholder(name), column)}`;

/**
 * Persistence of batches and their items over drizzle, on either SQLite driver. Every write is one
 * statement, except `insertItems`, `adoptStaged` and `finishItems`, which run as one transaction
 * (see SqlDatabase).
 */
export function createBatchStore({ db, atomic, atomicEach }: SqlDatabase): BatchStore {
  const byStatus = (batchId: string, status: ItemStatus) => and(eq(batchItems.batchId, batchId), eq(batchItems.status, status));
  // The statements every item runs are prepared once: building and compiling them per item cost
  // more than running them.
  const claim = db
    .update(batchItems)
    .set({ status: "running" })
    .where(
      and(
        eq(batchItems.batchId, sql.placeholder("batchId")),
        inArray(
          batchItems.idx,
          sql`(select ${batchItems.idx} from ${batchItems} where ${batchItems.batchId} = ${sql.placeholder("batchId")} and ${batchItems.status} = 'pending' order by ${batchItems.idx} limit ${sql.placeholder("limit")})`,
        ),
      ),
    )
    .returning()
    .prepare();
  const insertItem = db
    .insert(batchItems)
    .values({
      batchId: sql.placeholder("batchId"),
      idx: sql.placeholder("idx"),
      status: "pending",
      customId: sql.placeholder("customId"),
      request: sql.placeholder("request"),
    })
    .onConflictDoNothing()
    .prepare();
  const insertWith = (values: { batchId: string } & NewBatchItem) =>
    db
      .insert(batchItems)
      .values({ ...values, status: "pending" })
      .onConflictDoNothing();
  // A finished item's UPDATE: only an item still running changes.
  const stillRunning = (batchId: string | SQLWrapper, idx: number | SQLWrapper) =>
    and(eq(batchItems.batchId, batchId), eq(batchItems.idx, idx), eq(batchItems.status, "running"));
  const finishWith = ({ batchId, idx, ...columns }: FinishValues) => db.update(batchItems).set(columns).where(stillRunning(batchId, idx));
  const finish = db
    .update(batchItems)
    .set({
      status: placeheld(batchItems.status, "status"),
      result: placeheld(batchItems.result, "result"),
      problem: placeheld(batchItems.problem, "problem"),
      passed: placeheld(batchItems.passed, "passed"),
      weighted: placeheld(batchItems.weighted, "weighted"),
      cached: placeheld(batchItems.cached, "cached"),
      upstreamCalls: placeheld(batchItems.upstreamCalls, "upstreamCalls"),
      promptTokens: placeheld(batchItems.promptTokens, "promptTokens"),
      completionTokens: placeheld(batchItems.completionTokens, "completionTokens"),
      finishedAt: placeheld(batchItems.finishedAt, "finishedAt"),
    })
    .where(stillRunning(sql.placeholder("batchId"), sql.placeholder("idx")))
    .prepare();

  return {
    /** Idempotent: items already stored under the same (batch, index) are left alone. */
    async insertItems(batchId: string, items: NewBatchItem[]): Promise<void> {
      await atomicEach(
        insertItem,
        insertWith,
        items.map((item) => ({ batchId, ...item })),
      );
    },

    /**
     * Makes the items staged under `stagingId` the items of the batch `row`, and stores the row, in
     * one transaction: a batch row exists only once all its items do. When the batch is stored
     * already (the same content sent again), its items are left alone and the staged copy dropped.
     */
    async adoptStaged(stagingId, row) {
      const absent = notExists(db.select({ id: batches.id }).from(batches).where(eq(batches.id, row.id)));
      await atomic(() => [
        // Items of the same id with no batch row cannot be complete: they are replaced.
        db.delete(batchItems).where(and(eq(batchItems.batchId, row.id), absent)),
        db
          .update(batchItems)
          .set({ batchId: row.id })
          .where(and(eq(batchItems.batchId, stagingId), absent)),
        db.delete(batchItems).where(eq(batchItems.batchId, stagingId)),
        db.insert(batches).values(row).onConflictDoNothing(),
      ]);
    },

    /** Drops the items staged under a name (a body refused, or one whose upload died). */
    async discardStaged(stagingId: string): Promise<void> {
      await db.delete(batchItems).where(eq(batchItems.batchId, stagingId));
    },

    /** The staging names in use, e.g. to drop those of uploads that died long ago. */
    async stagingIds(): Promise<string[]> {
      const rows = await db
        .selectDistinct({ id: batchItems.batchId })
        .from(batchItems)
        .where(and(gte(batchItems.batchId, STAGING_PREFIX), lt(batchItems.batchId, "up`")));
      return rows.map((r) => r.id);
    },

    /** Inserted after its items, so a batch row exists only once all its items do. */
    async insertBatch(row: typeof batches.$inferInsert): Promise<void> {
      await db.insert(batches).values(row).onConflictDoNothing();
    },

    async batchById(id: string): Promise<BatchRow | undefined> {
      return (await db.select().from(batches).where(eq(batches.id, id)).limit(1))[0];
    },

    async batchIdsWithStatus(status: BatchStatus): Promise<string[]> {
      return (await db.select({ id: batches.id }).from(batches).where(eq(batches.status, status))).map((r) => r.id);
    },

    /**
     * Sets the status; a reason and a resume time only go with a pause or a cancel the batch did not
     * ask for. With `from`, only a batch in that status changes (compare and set): whether it did.
     */
    async setStatus(
      id: string,
      status: BatchStatus,
      finishedAt: number | null,
      reason: string | null = null,
      pausedUntil: number | null = null,
      from?: BatchStatus,
    ): Promise<boolean> {
      const changed = await db
        .update(batches)
        .set({ status, finishedAt, statusReason: reason, pausedUntil })
        .where(and(eq(batches.id, id), from === undefined ? undefined : eq(batches.status, from)))
        .returning({ id: batches.id });
      return changed.length > 0;
    },

    /** Marks a running batch completed if none of its items is pending or running; whether it did. */
    async completeIfFinished(id: string, now: number): Promise<boolean> {
      const left = db
        .select({ idx: batchItems.idx })
        .from(batchItems)
        .where(and(eq(batchItems.batchId, id), inArray(batchItems.status, ["pending", "running"])));
      const changed = await db
        .update(batches)
        .set({ status: "completed", finishedAt: now, statusReason: null, pausedUntil: null })
        .where(and(eq(batches.id, id), eq(batches.status, "running"), notExists(left)))
        .returning({ id: batches.id });
      return changed.length > 0;
    },

    /** Makes `to` the batch's runner if its runner is still `from` (compare and set); whether it did. */
    async takeLease(id: string, from: string | null, to: string, now: number): Promise<boolean> {
      const taken = await db
        .update(batches)
        .set({ runner: to, heartbeatAt: now })
        .where(and(eq(batches.id, id), from === null ? isNull(batches.runner) : eq(batches.runner, from)))
        .returning({ id: batches.id });
      return taken.length > 0;
    },

    /** The runner says it is still at work: the batch's status, or null when it is no longer its own. */
    async renewLease(id: string, runner: string, now: number): Promise<BatchStatus | null> {
      const [renewed] = await db
        .update(batches)
        .set({ heartbeatAt: now })
        .where(and(eq(batches.id, id), eq(batches.runner, runner)))
        .returning({ status: batches.status });
      return renewed?.status ?? null;
    },

    async dropLease(id: string, runner: string): Promise<void> {
      await db
        .update(batches)
        .set({ runner: null })
        .where(and(eq(batches.id, id), eq(batches.runner, runner)));
    },

    /** Items left "running" by a process that is gone go back to the queue. */
    async requeueRunning(batchId: string): Promise<void> {
      await db.update(batchItems).set({ status: "pending" }).where(byStatus(batchId, "running"));
    },

    /** Failed items go back to the queue, their problem cleared; returns how many. */
    async requeueFailed(batchId: string): Promise<number> {
      const rows = await db
        .update(batchItems)
        .set({ status: "pending", problem: null, cached: null, upstreamCalls: null, promptTokens: null, completionTokens: null, finishedAt: null, claim: null })
        .where(byStatus(batchId, "failed"))
        .returning({ idx: batchItems.idx });
      return rows.length;
    },

    /** Atomically takes up to `limit` pending items (lowest indexes first) and marks them running. */
    async claim(batchId: string, limit: number): Promise<BatchItemRow[]> {
      const rows = await claim.all({ batchId, limit });
      return rows.sort((a, b) => a.idx - b.idx);
    },

    /** Claimed items that were never started go back to the queue. */
    async release(batchId: string, idxs: number[]): Promise<void> {
      if (idxs.length === 0) return;
      await db
        .update(batchItems)
        .set({ status: "pending" })
        .where(and(byStatus(batchId, "running"), inArray(batchItems.idx, idxs)));
    },

    /** Records finished items; only items still running are changed. */
    async finishItems(batchId: string, items: FinishedItem[]): Promise<void> {
      await atomicEach(finish, finishWith, finishParams(batchId, items, Date.now()));
    },

    async counts(batchId: string): Promise<BatchCounts> {
      const rows = await db
        .select({ status: batchItems.status, n: sql<number>`count(*)` })
        .from(batchItems)
        .where(eq(batchItems.batchId, batchId))
        .groupBy(batchItems.status);
      const counts: BatchCounts = { pending: 0, running: 0, done: 0, failed: 0 };
      for (const r of rows) counts[r.status] = Number(r.n);
      return counts;
    },

    /** Pass count, score sum, cache hits and upstream usage over the finished items. */
    async totals(batchId: string): Promise<BatchTotals> {
      const [row] = await db
        .select({
          done: sql<number>`count(${batchItems.weighted})`,
          passed: sql<number>`coalesce(sum(${batchItems.passed}), 0)`,
          weightedSum: sql<number>`coalesce(sum(${batchItems.weighted}), 0)`,
          cacheHits: sql<number>`coalesce(sum(${batchItems.cached}), 0)`,
          calls: sql<number>`coalesce(sum(${batchItems.upstreamCalls}), 0)`,
          prompt: sql<number>`coalesce(sum(${batchItems.promptTokens}), 0)`,
          completion: sql<number>`coalesce(sum(${batchItems.completionTokens}), 0)`,
        })
        .from(batchItems)
        .where(and(eq(batchItems.batchId, batchId), inArray(batchItems.status, ["done", "failed"])));
      return {
        done: Number(row?.done ?? 0),
        passed: Number(row?.passed ?? 0),
        weightedSum: Number(row?.weightedSum ?? 0),
        cacheHits: Number(row?.cacheHits ?? 0),
        usage: {
          upstream_calls: Number(row?.calls ?? 0),
          prompt_tokens: Number(row?.prompt ?? 0),
          completion_tokens: Number(row?.completion ?? 0),
        },
      };
    },

    /** Finished items after `afterIdx` (and before `beforeIdx`), in input order: one page of the results stream. */
    async finishedPage(batchId: string, afterIdx: number, limit: number, beforeIdx = Number.MAX_SAFE_INTEGER): Promise<BatchItemRow[]> {
      return db
        .select()
        .from(batchItems)
        .where(
          and(eq(batchItems.batchId, batchId), gt(batchItems.idx, afterIdx), lt(batchItems.idx, beforeIdx), inArray(batchItems.status, ["done", "failed"])),
        )
        .orderBy(asc(batchItems.idx))
        .limit(limit);
    },

    /** The lowest index not finished yet (pending or running), or null when none is left. */
    async firstUnfinished(batchId: string): Promise<number | null> {
      const [row] = await db
        .select({ idx: sql<number | null>`min(${batchItems.idx})` })
        .from(batchItems)
        .where(and(eq(batchItems.batchId, batchId), inArray(batchItems.status, ["pending", "running"])));
      return row?.idx ?? null;
    },
  };
}
