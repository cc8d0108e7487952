import { and, eq, isNull, sql } from "drizzle-orm";
import { apiKeys } from "./schema-keys";
import type { SqliteDb } from "./store";

export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type NewApiKeyRow = typeof apiKeys.$inferInsert;

/** `created_by` of keys that may have been made by anyone, on a server without an admin key. */
export const MADE_OPEN = "open";

export interface KeyStore {
  create(row: NewApiKeyRow): Promise<void>;
  /** The live (not revoked) key with this secret hash. */
  activeByHash(hash: string): Promise<ApiKeyRow | undefined>;
  /** The key with this id, live or revoked. */
  byId(id: string): Promise<ApiKeyRow | undefined>;
  /** Live keys, of one tenant or (undefined) all. */
  listLive(tenant: string | undefined): Promise<ApiKeyRow[]>;
  /** Marks a key revoked; false when there is no live key with this id (in this tenant, if given). */
  revoke(id: string, at: number, tenant: string | undefined): Promise<boolean>;
}

/** Lookups by hash or id go by unique indexes, without a LIMIT (see createDrizzleStore). */
export function createKeyStore(db: SqliteDb): KeyStore {
  const byHash = db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.keyHash, sql.placeholder("hash")), isNull(apiKeys.revokedAt)))
    .prepare();
  const byId = db.select().from(apiKeys).where(eq(apiKeys.id, sql.placeholder("id"))).prepare();
  return {
    async create(row) {
      await db.insert(apiKeys).values(row);
    },
    activeByHash: async (hash) => (await byHash.all({ hash }))[0] as ApiKeyRow | undefined,
    byId: async (id) => (await byId.all({ id }))[0] as ApiKeyRow | undefined,
    listLive: async (tenant) =>
      (await db
        .select()
        .from(apiKeys)
        .where(and(isNull(apiKeys.revokedAt), tenant === undefined ? undefined : eq(apiKeys.tenant, tenant)))
        .orderBy(apiKeys.createdAt, apiKeys.id)) as ApiKeyRow[],
    async revoke(id, at, tenant) {
      const revoked = await db
        .update(apiKeys)
        .set({ revokedAt: at })
        .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt), tenant === undefined ? undefined : eq(apiKeys.tenant, tenant)))
        .returning({ id: apiKeys.id });
      return revoked.length > 0;
    },
  };
}
