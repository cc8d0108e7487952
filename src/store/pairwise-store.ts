import { and, eq, sql } from "drizzle-orm";
import type { SqlDatabase } from "./database";
import type { PairwiseStore } from "./ports";
import type { ComparisonRecord, RevisionRecord } from "./records";
import { comparisons, revisions } from "./schema-pairwise";

/**
 * Comparisons and revisions, each a prepared lookup by (cache tenant, fingerprint), its primary key,
 * and one idempotent insert: no transaction, so D1 works alike. Records leave out the creation
 * time, which no reader uses.
 */
export function createPairwiseStore({ db }: SqlDatabase): PairwiseStore {
  const key = { tenant: sql.placeholder("tenant"), fingerprint: sql.placeholder("fingerprint") };
  const comparison = db
    .select({
      tenant: comparisons.tenant,
      fingerprint: comparisons.fingerprint,
      better: comparisons.better,
      pFirst: comparisons.pFirst,
      rationale: comparisons.rationale,
      model: comparisons.model,
      promptVersion: comparisons.promptVersion,
      usage: comparisons.usage,
    })
    .from(comparisons)
    .where(and(eq(comparisons.tenant, key.tenant), eq(comparisons.fingerprint, key.fingerprint)))
    .prepare();
  const revision = db
    .select({
      tenant: revisions.tenant,
      fingerprint: revisions.fingerprint,
      revision: revisions.revision,
      model: revisions.model,
      promptVersion: revisions.promptVersion,
      usage: revisions.usage,
    })
    .from(revisions)
    .where(and(eq(revisions.tenant, key.tenant), eq(revisions.fingerprint, key.fingerprint)))
    .prepare();
  const comparisonByFingerprint = async (tenant: string, fingerprint: string): Promise<ComparisonRecord | undefined> =>
    (await comparison.all({ tenant, fingerprint }))[0];
  const revisionByFingerprint = async (tenant: string, fingerprint: string): Promise<RevisionRecord | undefined> =>
    (await revision.all({ tenant, fingerprint }))[0];
  /** The record stored under its key after an insert that keeps what another request stored first. */
  const stored = <R>(record: R | undefined, fingerprint: string): R => {
    if (!record) throw new Error(`${fingerprint} was not stored`);
    return record;
  };
  return {
    comparisonByFingerprint,
    async putComparison(record) {
      await db.insert(comparisons).values(record).onConflictDoNothing();
      return stored(await comparisonByFingerprint(record.tenant, record.fingerprint), record.fingerprint);
    },
    revisionByFingerprint,
    async putRevision(record) {
      await db.insert(revisions).values(record).onConflictDoNothing();
      return stored(await revisionByFingerprint(record.tenant, record.fingerprint), record.fingerprint);
    },
  };
}
