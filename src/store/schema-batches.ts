import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { StoredUsage } from "./schema";

/**
 * A batch of evaluations. Its id is derived from the content of its items, so the same input sent
 * again names the same batch (and resumes it) instead of starting a second one.
 */
export const batches = sqliteTable("batches", {
  id: text("id").primaryKey(),
  status: text("status", { enum: ["running", "cancelled", "completed"] }).notNull(),
  total: integer("total").notNull(),
  concurrency: integer("concurrency").notNull(),
  createdAt: integer("created_at").notNull(),
  finishedAt: integer("finished_at"),
});

/**
 * One item of a batch, in input order. Its state moves pending → running → done | failed; an item
 * found "running" when no worker holds it (after a crash) goes back to pending. `result` is the
 * evaluation without `cached` and `usage`, which depend on timing; those are kept beside it.
 */
export const batchItems = sqliteTable(
  "batch_items",
  {
    batchId: text("batch_id").notNull(),
    idx: integer("idx").notNull(),
    customId: text("custom_id"),
    request: text("request", { mode: "json" }).notNull().$type<Record<string, unknown>>(),
    status: text("status", { enum: ["pending", "running", "done", "failed"] }).notNull(),
    result: text("result", { mode: "json" }).$type<Record<string, unknown>>(),
    problem: text("problem", { mode: "json" }).$type<Record<string, unknown>>(),
    usage: text("usage", { mode: "json" }).$type<StoredUsage>(),
    cached: integer("cached", { mode: "boolean" }),
    finishedAt: integer("finished_at"),
  },
  (t) => [primaryKey({ columns: [t.batchId, t.idx] }), index("batch_items_by_status").on(t.batchId, t.status, t.idx)],
);
