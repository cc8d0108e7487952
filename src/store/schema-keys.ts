import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { Scope } from "./records";

/** API keys. Only a hash of the secret is kept; the secret is shown once, when the key is made. */
export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    tenant: text("tenant").notNull(),
    scopes: text("scopes", { mode: "json" }).notNull().$type<Scope[]>(),
    keyHash: text("key_hash").notNull().unique(),
    rateLimitRpm: integer("rate_limit_rpm"),
    dailyTokenBudget: integer("daily_token_budget"),
    createdAt: integer("created_at").notNull().default(sql`(unixepoch())`),
    revokedAt: integer("revoked_at"),
    /**
     * Who made the key: "operator" (TICKBOX_ADMIN_KEY), or the id of the tenant admin key that did.
     * Keys made before this was recorded are "open" when the database served open requests on the day
     * the key was made (such a key may have been made by anyone, and is not honoured), else
     * "unrecorded" (migration 0003).
     */
    createdBy: text("created_by"),
  },
  (t) => [index("api_keys_by_tenant").on(t.tenant)],
);
