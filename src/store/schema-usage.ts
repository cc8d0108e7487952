import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Per key, UTC day and model: what was asked, what it cost upstream and what the cache saved. */
export const usageDaily = sqliteTable(
  "usage_daily",
  {
    keyId: text("key_id").notNull(),
    day: text("day").notNull(),
    model: text("model").notNull(),
    tenant: text("tenant").notNull(),
    requests: integer("requests").notNull().default(0),
    upstreamCalls: integer("upstream_calls").notNull().default(0),
    promptTokens: integer("prompt_tokens").notNull().default(0),
    completionTokens: integer("completion_tokens").notNull().default(0),
    cacheHits: integer("cache_hits").notNull().default(0),
    tokensSaved: integer("tokens_saved").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.keyId, t.day, t.model] })],
);
