import { and, eq, inArray, sql } from "drizzle-orm";
import type { Meter } from "../usage/meter";
import { usageDaily } from "./schema-usage";
import type { SqliteDb } from "./store";

export type UsageRow = typeof usageDaily.$inferSelect;

export interface UsageStore {
  /** Adds `requests` requests and their meter to the key's day, one upsert per model. */
  record(keyId: string, tenant: string, day: string, meter: Meter, requests: number): Promise<void>;
  /** Upstream tokens the keys have spent on a day, together. */
  tokensOn(keyIds: readonly string[], day: string): Promise<number>;
  list(filter: { keyId?: string; tenant?: string; from?: string; to?: string }): Promise<UsageRow[]>;
}

export const utcDay = (ms = Date.now()) => new Date(ms).toISOString().slice(0, 10);

export function createUsageStore(db: SqliteDb): UsageStore {
  const spent = db
    .select({ tokens: sql<number>`coalesce(sum(${usageDaily.promptTokens} + ${usageDaily.completionTokens}), 0)` })
    .from(usageDaily)
    .where(and(eq(usageDaily.keyId, sql.placeholder("key")), eq(usageDaily.day, sql.placeholder("day"))))
    .prepare();
  return {
    async record(keyId, tenant, day, meter, requests) {
      // The request itself and the cache's savings are booked on the "" model row.
      const rows: (typeof usageDaily.$inferInsert)[] = [
        { keyId, day, tenant, model: "", requests, cacheHits: meter.cacheHits, tokensSaved: meter.tokensSaved },
        ...[...meter.byModel].map(([model, u]) => ({
          keyId,
          day,
          tenant,
          model,
          upstreamCalls: u.upstream_calls,
          promptTokens: u.prompt_tokens,
          completionTokens: u.completion_tokens,
        })),
      ];
      for (const row of rows) {
        await db
          .insert(usageDaily)
          .values(row)
          .onConflictDoUpdate({
            target: [usageDaily.keyId, usageDaily.day, usageDaily.model],
            set: {
              requests: sql`${usageDaily.requests} + excluded.requests`,
              upstreamCalls: sql`${usageDaily.upstreamCalls} + excluded.upstream_calls`,
              promptTokens: sql`${usageDaily.promptTokens} + excluded.prompt_tokens`,
              completionTokens: sql`${usageDaily.completionTokens} + excluded.completion_tokens`,
              cacheHits: sql`${usageDaily.cacheHits} + excluded.cache_hits`,
              tokensSaved: sql`${usageDaily.tokensSaved} + excluded.tokens_saved`,
            },
          });
      }
    },
    async tokensOn(keyIds, day) {
      // One key (the usual case) by a prepared statement; several (a key and those made under it) by a list.
      if (keyIds.length === 1) return Number((await spent.all({ key: keyIds[0], day }))[0]?.tokens ?? 0);
      const [row] = await db
        .select({ tokens: sql<number>`coalesce(sum(${usageDaily.promptTokens} + ${usageDaily.completionTokens}), 0)` })
        .from(usageDaily)
        .where(and(inArray(usageDaily.keyId, [...keyIds]), eq(usageDaily.day, day)));
      return Number(row?.tokens ?? 0);
    },
    async list({ keyId, tenant, from, to }) {
      const conditions = [
        keyId ? eq(usageDaily.keyId, keyId) : undefined,
        tenant ? eq(usageDaily.tenant, tenant) : undefined,
        from ? sql`${usageDaily.day} >= ${from}` : undefined,
        to ? sql`${usageDaily.day} <= ${to}` : undefined,
      ].filter((c) => c !== undefined);
      return (await db
        .select()
        .from(usageDaily)
        .where(conditions.length ? and(...conditions) : undefined)
        .orderBy(usageDaily.day, usageDaily.keyId, usageDaily.model)) as UsageRow[];
    },
  };
}
