import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { Usage } from "../llm/usage";
import type { ChecklistItem, ItemVerdict } from "./records";

/**
 * A checklist is stored once per tenant and fingerprint: the generation key for a generated
 * checklist, the content hash for a caller's. Its id is derived from both, so every process and
 * runtime that sees the same inputs for the same tenant names the same row.
 */
export const checklists = sqliteTable(
  "checklists",
  {
    id: text("id").primaryKey(),
    tenant: text("tenant").notNull().default("default"),
    fingerprint: text("fingerprint").notNull(),
    contentHash: text("content_hash").notNull(),
    instruction: text("instruction").notNull(),
    context: text("context"),
    items: text("items", { mode: "json" }).notNull().$type<ChecklistItem[]>(),
    source: text("source", { enum: ["generated", "provided"] }).notNull(),
    model: text("model"),
    promptVersion: text("prompt_version"),
    usage: text("usage", { mode: "json" }).notNull().$type<Usage>(),
    createdAt: integer("created_at").notNull().default(sql`(unixepoch())`),
  },
  (t) => [
    uniqueIndex("checklists_tenant_fingerprint").on(t.tenant, t.fingerprint),
    // Lists: a tenant's rows newest first.
    index("checklists_by_tenant_created").on(t.tenant, t.createdAt, t.id),
  ],
);

/** One grading of one response against one checklist, keyed by the grading fingerprint. */
export const evaluations = sqliteTable(
  "evaluations",
  {
    id: text("id").primaryKey(),
    tenant: text("tenant").notNull().default("default"),
    fingerprint: text("fingerprint").notNull(),
    checklistId: text("checklist_id")
      .notNull()
      .references(() => checklists.id),
    instruction: text("instruction").notNull(),
    context: text("context"),
    response: text("response").notNull(),
    results: text("results", { mode: "json" }).notNull().$type<ItemVerdict[]>(),
    signal: text("signal", { enum: ["logprobs", "none"] }).notNull(),
    model: text("model").notNull(),
    promptVersion: text("prompt_version").notNull(),
    usage: text("usage", { mode: "json" }).notNull().$type<Usage>(),
    createdAt: integer("created_at").notNull().default(sql`(unixepoch())`),
  },
  (t) => [
    uniqueIndex("evaluations_tenant_fingerprint").on(t.tenant, t.fingerprint),
    // Lists: a tenant's rows newest first, all or of one checklist.
    index("evaluations_by_tenant_created").on(t.tenant, t.createdAt, t.id),
    index("evaluations_by_tenant_checklist").on(t.tenant, t.checklistId, t.createdAt, t.id),
  ],
);
