import { sql } from "drizzle-orm";
import { integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { Usage } from "../llm/usage";

/**
 * One direct comparison in one order: which of two responses, shown first and second, the judge
 * preferred. A comparison asks twice with the order swapped; each order is its own row, keyed by
 * its cache tenant and the fingerprint of everything that shapes it, so a swapped repeat reuses the
 * other's answer.
 */
export const comparisons = sqliteTable(
  "comparisons",
  {
    /** The cache tenant: the caller's, or "*" under a global cache scope (TICKBOX_CACHE_SCOPE). */
    tenant: text("tenant").notNull(),
    fingerprint: text("fingerprint").notNull(),
    better: text("better", { enum: ["FIRST", "SECOND"] }).notNull(),
    /** p(FIRST) read at the answer token; null without logprobs. */
    pFirst: real("p_first"),
    rationale: text("rationale").notNull(),
    model: text("model").notNull(),
    promptVersion: text("prompt_version").notNull(),
    usage: text("usage", { mode: "json" }).notNull().$type<Usage>(),
    createdAt: integer("created_at").notNull().default(sql`(unixepoch())`),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.fingerprint] })],
);

/** One revision written from a response and its failed checklist items (STICK self-refinement). */
export const revisions = sqliteTable(
  "revisions",
  {
    tenant: text("tenant").notNull(),
    fingerprint: text("fingerprint").notNull(),
    revision: text("revision").notNull(),
    model: text("model").notNull(),
    promptVersion: text("prompt_version").notNull(),
    usage: text("usage", { mode: "json" }).notNull().$type<Usage>(),
    createdAt: integer("created_at").notNull().default(sql`(unixepoch())`),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.fingerprint] })],
);
