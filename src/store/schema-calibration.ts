import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * A calibration profile: the fitted map(s), their metrics and certified thresholds, as one JSON
 * document. Profiles are immutable; the id is derived from the request that fitted it, so the
 * same labels posted twice name the same row.
 */
export const calibrations = sqliteTable(
  "calibrations",
  {
    id: text("id").primaryKey(),
    tenant: text("tenant").notNull().default("default"),
    name: text("name").notNull(),
    kind: text("kind", { enum: ["pointwise", "pairwise"] }).notNull(),
    profile: text("profile", { mode: "json" }).notNull().$type<unknown>(),
    createdAt: integer("created_at").notNull().default(sql`(unixepoch())`),
  },
  (t) => [index("calibrations_by_tenant_created").on(t.tenant, t.createdAt, t.id)],
);
