import { and, eq, inArray, sql } from "drizzle-orm";
import type { SqlDatabase } from "./database";
import type { UsageStore } from "./ports";
import { usageDaily } from "./schema-usage";

export function createUsageStore({ db }: SqlDatabase): UsageStore {
  const spent = db
    .select({ tokens: sql<number>`coalesce(sum(${usageDaily.promptTokens} + ${usageDaily.completionTokens}), 0)` })
    .from(usageDaily)
    .where(and(eq(usageDaily.keyId, sql.placeholder("key")), eq(usageDaily.day, sql.placeholder("day"))))
    .prepare();
  return {
    async record(keyId, tenant, day, tally, requests) {
      // The request itself and the cache's savings are booked on the "" model row.
      const rows: (typeof usageDaily.$inferInsert)[] = [
        { keyId, day, tenant, model: "", requests, cacheHits: tally.cacheHits, tokensSaved: tally.tokensSaved },
        ...[...tally.byModel].map(([model, u]) => ({
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
      return await db
        .select()
        .from(usageDaily)
        .where(conditions.length ? and(...conditions) : undefined)
        .orderBy(usageDaily.day, usageDaily.keyId, usageDaily.model);
    },
  };
}
