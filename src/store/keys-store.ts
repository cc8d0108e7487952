import { and, eq, isNull, sql } from "drizzle-orm";
import { apiKeys } from "./schema-keys";
import type { SqliteDb } from "./store";

export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type NewApiKeyRow = typeof apiKeys.$inferInsert;

export interface KeyStore {
  create(row: NewApiKeyRow): Promise<void>;
  /** The live (not revoked) key with this secret hash. */
  activeByHash(hash: string): Promise<ApiKeyRow | undefined>;
  list(): Promise<ApiKeyRow[]>;
  /** Marks a key revoked; false when there is no live key with this id. */
  revoke(id: string, at: number): Promise<boolean>;
}

export function createKeyStore(db: SqliteDb): KeyStore {
  const byHash = db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.keyHash, sql.placeholder("hash")), isNull(apiKeys.revokedAt)))
    .limit(1)
    .prepare();
  return {
    async create(row) {
      await db.insert(apiKeys).values(row);
    },
    activeByHash: async (hash) => (await byHash.all({ hash }))[0] as ApiKeyRow | undefined,
    list: async () => (await db.select().from(apiKeys).orderBy(apiKeys.createdAt, apiKeys.id)) as ApiKeyRow[],
    async revoke(id, at) {
      const revoked = await db
        .update(apiKeys)
        .set({ revokedAt: at })
        .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
        .returning({ id: apiKeys.id });
      return revoked.length > 0;
    },
  };
}
