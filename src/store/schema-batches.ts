import { index, integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { EvaluationInput } from "../judge/inputs";

/**
 * A batch of evaluations. Its id is derived from the content of its items, so the same input sent
 * again names the same batch (and resumes it) instead of starting a second one.
 */
export const batches = sqliteTable(
  "batches",
  {
    id: text("id").primaryKey(),
    /** The tenant that owns the batch, and the key whose usage its items are booked to. */
    tenant: text("tenant").notNull().default("default"),
    keyId: text("key_id"),
    status: text("status", { enum: ["running", "paused", "cancelled", "completed"] }).notNull(),
    /** Why the batch is paused or cancelled when it was not asked to be (a spent budget, a revoked key). */
    statusReason: text("status_reason"),
    /** A paused batch resumes at this epoch ms (the next UTC day, when its owner's budget renews). */
    pausedUntil: integer("paused_until"),
    total: integer("total").notNull(),
    concurrency: integer("concurrency").notNull(),
    createdAt: integer("created_at").notNull(),
    finishedAt: integer("finished_at"),
    /**
     * The runner (process) working on the batch, and when it last said so: a lease that keeps two
     * processes on one database file from working on the same batch at once.
     */
    runner: text("runner"),
    heartbeatAt: integer("heartbeat_at"),
  },
  (t) => [index("batches_by_tenant_created").on(t.tenant, t.createdAt, t.id)],
);

/**
 * One item of a batch, in input order. Its state moves pending → running → done | failed; an item
 * found "running" when no worker holds it (after a crash) goes back to pending. `result` is the
 * evaluation without `cached` and `usage`, which depend on timing; those, and the figures the
 * batch's totals add up, are columns of their own, placed before the large JSON ones so that
 * totals are summed without reading or parsing the JSON.
 */
export const batchItems = sqliteTable(
  "batch_items",
  {
    batchId: text("batch_id").notNull(),
    idx: integer("idx").notNull(),
    status: text("status", { enum: ["pending", "running", "done", "failed"] }).notNull(),
    passed: integer("passed", { mode: "boolean" }),
    weighted: real("weighted"),
    cached: integer("cached", { mode: "boolean" }),
    upstreamCalls: integer("upstream_calls"),
    promptTokens: integer("prompt_tokens"),
    completionTokens: integer("completion_tokens"),
    finishedAt: integer("finished_at"),
    customId: text("custom_id"),
    request: text("request", { mode: "json" }).notNull().$type<EvaluationInput>(),
    result: text("result", { mode: "json" }).$type<Record<string, unknown>>(),
    problem: text("problem", { mode: "json" }).$type<Record<string, unknown>>(),
    /**
     * On Workers, the queue message that holds a running item: its redeliveries may take the item
     * up again, another message for the same item may not (see src/batches/queue-work.ts).
     */
    claim: text("claim"),
  },
  (t) => [primaryKey({ columns: [t.batchId, t.idx] }), index("batch_items_by_status").on(t.batchId, t.status, t.idx)],
);
