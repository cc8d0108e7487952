import { and, asc, eq, gte, inArray, lt, or, sql } from "drizzle-orm";
import { batchItems } from "./schema-batches";
import type { BatchItemRow } from "./batch-records";
import type { SqlDatabase } from "./database";
import type { ItemClaims } from "./ports";

/**
 * Items as queue messages hold them (on Workers): every message names one item and carries a claim,
 * a random token of its own. A message takes its item only while nobody else holds it, and a
 * message delivered again (same claim) takes it up again; a second message for the same item
 * (sent twice, or a duplicate delivery) finds it held or finished and leaves it alone.
 */
export function createItemClaims({ db, atomic, atomicRows }: SqlDatabase): ItemClaims {
  const item = (batchId: string, idx: number) => and(eq(batchItems.batchId, batchId), eq(batchItems.idx, idx));
  const heldBy = (batchId: string, idx: number, claim: string) => and(item(batchId, idx), eq(batchItems.status, "running"), eq(batchItems.claim, claim));

  return {
    /**
     * Takes unfinished items for the queue messages that name them, in one transaction: each a
     * pending item, or one running under the same claim (its message delivered again). The items
     * taken, by index; an item finished, or held by another message, is not among them.
     */
    async claimItems(batchId, claims) {
      const results = await atomicRows<BatchItemRow>(() =>
        claims.map(({ idx, claim }) =>
          db
            .update(batchItems)
            .set({ status: "running", claim })
            .where(and(item(batchId, idx), or(eq(batchItems.status, "pending"), and(eq(batchItems.status, "running"), eq(batchItems.claim, claim)))))
            .returning(),
        ),
      );
      return new Map(results.flatMap((rows) => rows.map((row) => [row.idx, row] as const)));
    },

    /** Puts items the messages hold back to pending, for other messages to take, in one transaction. */
    async releaseItems(batchId, claims) {
      await atomic(() =>
        claims.map(({ idx, claim }) =>
          db
            .update(batchItems)
            .set({ status: "pending", claim: null })
            .where(heldBy(batchId, idx, claim)),
        ),
      );
    },

    /** Keeps the problem of an attempt that failed on a running item, for when it fails for good. */
    async noteProblem(batchId: string, idx: number, claim: string, problem: Record<string, unknown>): Promise<void> {
      await db
        .update(batchItems)
        .set({ problem })
        .where(heldBy(batchId, idx, claim));
    },

    /**
     * Fails an unfinished item whose attempts are spent: with the problem of its last attempt when
     * one was noted, else with `fallback`. Only an item still pending or running changes.
     */
    async failUnfinished(batchId: string, idx: number, fallback: Record<string, unknown>): Promise<boolean> {
      const changed = await db
        .update(batchItems)
        .set({
          status: "failed",
          problem: sql`coalesce(${batchItems.problem}, ${JSON.stringify(fallback)})`,
          cached: false,
          upstreamCalls: 0,
          promptTokens: 0,
          completionTokens: 0,
          finishedAt: Date.now(),
        })
        .where(and(item(batchId, idx), inArray(batchItems.status, ["pending", "running"])))
        .returning({ idx: batchItems.idx });
      return changed.length > 0;
    },

    /** The indexes of pending items in [from, to), in order. */
    async pendingIndexes(batchId: string, from: number, to: number): Promise<number[]> {
      const rows = await db
        .select({ idx: batchItems.idx })
        .from(batchItems)
        .where(and(eq(batchItems.batchId, batchId), eq(batchItems.status, "pending"), gte(batchItems.idx, from), lt(batchItems.idx, to)))
        .orderBy(asc(batchItems.idx));
      return rows.map((r) => r.idx);
    },
  };
}
