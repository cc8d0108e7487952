import { eq, sql } from "drizzle-orm";
import { comparisons, revisions } from "./schema-pairwise";
import type { SqliteDb } from "./store";

export type ComparisonRow = typeof comparisons.$inferSelect;
export type NewComparisonRow = typeof comparisons.$inferInsert;
export type RevisionRow = typeof revisions.$inferSelect;
export type NewRevisionRow = typeof revisions.$inferInsert;

/** Ordered comparisons and revisions, each looked up and stored by fingerprint. */
export interface PairwiseStore {
  comparisonByFingerprint(fingerprint: string): Promise<ComparisonRow | undefined>;
  /** Inserts unless the fingerprint is stored already; returns the row that is stored. */
  putComparison(row: NewComparisonRow): Promise<ComparisonRow>;
  revisionByFingerprint(fingerprint: string): Promise<RevisionRow | undefined>;
  putRevision(row: NewRevisionRow): Promise<RevisionRow>;
}

type Table = typeof comparisons | typeof revisions;

/** Prepared lookup and one idempotent insert per table: no transaction, so D1 works alike. */
function keyed<T extends Table>(db: SqliteDb, table: T) {
  const query = db
    .select()
    .from(table as typeof comparisons)
    .where(eq(table.fingerprint, sql.placeholder("key")))
    .limit(1)
    .prepare();
  const lookup = async (fp: string) => (await query.all({ key: fp }))[0] as T["$inferSelect"] | undefined;
  const put = async (row: T["$inferInsert"]): Promise<T["$inferSelect"]> => {
    await db.insert(table as typeof comparisons).values(row as NewComparisonRow).onConflictDoNothing();
    const stored = await lookup(row.fingerprint);
    if (!stored) throw new Error(`row ${row.id} was not stored`);
    return stored;
  };
  return { lookup, put };
}

export function createPairwiseStore(db: SqliteDb): PairwiseStore {
  const ordered = keyed(db, comparisons);
  const revised = keyed(db, revisions);
  return {
    comparisonByFingerprint: ordered.lookup,
    putComparison: ordered.put,
    revisionByFingerprint: revised.lookup,
    putRevision: revised.put,
  };
}
