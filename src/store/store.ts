import { eq, sql } from "drizzle-orm";
import type { BaseSQLiteDatabase } from "drizzle-orm/sqlite-core";
import { checklists, evaluations } from "./schema";

export type ChecklistRow = typeof checklists.$inferSelect;
export type NewChecklistRow = typeof checklists.$inferInsert;
export type EvaluationRow = typeof evaluations.$inferSelect;
export type NewEvaluationRow = typeof evaluations.$inferInsert;

/** The persistence port of the judge: the same contract on better-sqlite3 and on D1. */
export interface Store {
  checklistById(id: string): Promise<ChecklistRow | undefined>;
  checklistByFingerprint(fingerprint: string): Promise<ChecklistRow | undefined>;
  /** Inserts unless a row with the same fingerprint exists; returns the row that is stored. */
  putChecklist(row: NewChecklistRow): Promise<ChecklistRow>;
  evaluationById(id: string): Promise<EvaluationRow | undefined>;
  evaluationByFingerprint(fingerprint: string): Promise<EvaluationRow | undefined>;
  /** Inserts unless a row with the same fingerprint exists; returns the row that is stored. */
  putEvaluation(row: NewEvaluationRow): Promise<EvaluationRow>;
  /** A cheap query that fails when the database cannot be reached. */
  ping(): Promise<void>;
}

// Either driver: better-sqlite3 ("sync") or D1 ("async"); drizzle's builders are awaitable on both.
export type SqliteDb = BaseSQLiteDatabase<"sync" | "async", any, Record<string, never>>;

/**
 * A Store over drizzle. Lookups are prepared once (building the SQL on every call cost more than
 * running it); writes are single idempotent statements, so D1 needs no transaction.
 */
export function createDrizzleStore(db: SqliteDb): Store {
  const byKey = <T extends typeof checklists | typeof evaluations>(table: T, column: "id" | "fingerprint") => {
    const query = db.select().from(table as typeof checklists).where(eq(table[column], sql.placeholder("key"))).limit(1).prepare();
    return async (key: string) => (await query.all({ key }))[0] as T["$inferSelect"] | undefined;
  };
  const checklistById = byKey(checklists, "id");
  const checklistByFingerprint = byKey(checklists, "fingerprint");
  const evaluationById = byKey(evaluations, "id");
  const evaluationByFingerprint = byKey(evaluations, "fingerprint");

  /** Inserts unless the fingerprint is stored already, then reads back whichever row is stored. */
  const put = <T extends typeof checklists | typeof evaluations>(table: T, lookup: (fp: string) => Promise<T["$inferSelect"] | undefined>) =>
    async (row: T["$inferInsert"]): Promise<T["$inferSelect"]> => {
      await db.insert(table as typeof checklists).values(row as NewChecklistRow).onConflictDoNothing();
      const stored = await lookup(row.fingerprint);
      if (!stored) throw new Error(`row ${row.id} was not stored`);
      return stored;
    };

  return {
    checklistById,
    checklistByFingerprint,
    putChecklist: put(checklists, checklistByFingerprint),
    evaluationById,
    evaluationByFingerprint,
    putEvaluation: put(evaluations, evaluationByFingerprint),
    async ping() {
      await checklistById("");
    },
  };
}
