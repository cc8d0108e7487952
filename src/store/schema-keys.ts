import { sql } from "drizzle-orm";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** API keys. Only a hash of the secret is kept; the secret is shown once, when the key is made. */
export const apiKeys = sqliteTable("api_keys", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  tenant: text("tenant").notNull(),
  scopes: text("scopes", { mode: "json" }).notNull().$type<Scope[]>(),
  keyHash: text("key_hash").notNull().unique(),
  rateLimitRpm: integer("rate_limit_rpm"),
  dailyTokenBudget: integer("daily_token_budget"),
  createdAt: integer("created_at").notNull().default(sql`(unixepoch())`),
  revokedAt: integer("revoked_at"),
});

export const SCOPES = ["evaluate", "calibrate", "admin"] as const;
export type Scope = (typeof SCOPES)[number];
