import { and, eq, getTableColumns, isNull, sql } from "drizzle-orm";
import type { SqlDatabase } from "./database";
import type { KeyStore } from "./ports";
import { MADE_OPEN } from "./records";
import { apiKeys } from "./schema-keys";
import { usageDaily } from "./schema-usage";

/** Keys are made by keys a few levels deep at most; a longer chain is cut here rather than followed. */
const MAX_DEPTH = 32;

/**
 * `created_by` as the service reads it. Migration 0003 marked keys of earlier versions "open" when
 * the database served open requests on the UTC day they were made, else "unrecorded". But a key an
 * open server made just before it was killed leaves no open usage (usage is written every second),
 * so an "unrecorded" key also counts as made open unless usage was booked that day to the operator
 * or to a key: earlier versions booked every request of a server with an admin key so, and none of
 * an open server's. Each test goes by the usage table's primary key (key, day); it runs only for
 * "unrecorded" keys.
 */
const createdBy = sql<string | null>`case when ${apiKeys.createdBy} = 'unrecorded' and not exists (
  select 1 from ${usageDaily} where ${usageDaily.day} = date(${apiKeys.createdAt}, 'unixepoch')
  and ${usageDaily.keyId} in (select 'admin' union all select k.id from ${apiKeys} k)
) then ${MADE_OPEN} else ${apiKeys.createdBy} end`;
const columns = { ...getTableColumns(apiKeys), createdBy };

/** Lookups by hash or id go by unique indexes, without a LIMIT (see createDrizzleStore). */
export function createKeyStore({ db }: SqlDatabase): KeyStore {
  const byHash = db
    .select(columns)
    .from(apiKeys)
    .where(and(eq(apiKeys.keyHash, sql.placeholder("hash")), isNull(apiKeys.revokedAt)))
    .prepare();
  const byId = db
    .select(columns)
    .from(apiKeys)
    .where(eq(apiKeys.id, sql.placeholder("id")))
    .prepare();
  return {
    async create(row) {
      await db.insert(apiKeys).values(row);
    },
    activeByHash: async (hash) => (await byHash.all({ hash }))[0],
    byId: async (id) => (await byId.all({ id }))[0],
    listLive: async (tenant) =>
      db
        .select(columns)
        .from(apiKeys)
        .where(and(isNull(apiKeys.revokedAt), tenant === undefined ? undefined : eq(apiKeys.tenant, tenant)))
        .orderBy(apiKeys.createdAt, apiKeys.id),
    async revoke(id, at, tenant) {
      const revoked = await db
        .update(apiKeys)
        .set({ revokedAt: at })
        .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt), tenant === undefined ? undefined : eq(apiKeys.tenant, tenant)))
        .returning({ id: apiKeys.id });
      return revoked.length > 0;
    },
    async lineage(makerId) {
      const rows = await db.all<{ id: string; rate_limit_rpm: number | null; daily_token_budget: number | null }>(sql`
        with recursive up(id, created_by, rate_limit_rpm, daily_token_budget, depth) as (
          select id, created_by, rate_limit_rpm, daily_token_budget, 0 from ${apiKeys} where id = ${makerId}
          union all
          select k.id, k.created_by, k.rate_limit_rpm, k.daily_token_budget, up.depth + 1
          from ${apiKeys} k join up on k.id = up.created_by where up.depth < ${MAX_DEPTH}
        )
        select id, rate_limit_rpm, daily_token_budget from up order by depth`);
      return rows.map((r) => ({ id: r.id, rateLimitRpm: r.rate_limit_rpm, dailyTokenBudget: r.daily_token_budget }));
    },
    async under(id) {
      const rows = await db.all<{ id: string }>(sql`
        with recursive down(id, depth) as (
          select ${id}, 0
          union
          select k.id, down.depth + 1 from ${apiKeys} k join down on k.created_by = down.id where down.depth < ${MAX_DEPTH}
        )
        select distinct id from down`);
      return rows.map((r) => r.id);
    },
  };
}
