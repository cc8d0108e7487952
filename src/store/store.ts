import { eq } from "drizzle-orm";
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
// biome-ignore lint: the driver's result type differs between runtimes
type AnySqliteDb = BaseSQLiteDatabase<"sync" | "async", any, Record<string, never>>;

/** A Store over drizzle. Writes are single idempotent statements, so D1 needs no transaction. */
export function createDrizzleStore(db: AnySqliteDb): Store {
  const one = async <T>(rows: Promise<T[]>): Promise<T | undefined> => (await rows)[0];

  return {
    checklistById: (id) => one(db.select().from(checklists).where(eq(checklists.id, id)).limit(1)),
    checklistByFingerprint: (fp) =>
      one(db.select().from(checklists).where(eq(checklists.fingerprint, fp)).limit(1)),
    async putChecklist(row) {
      await db.insert(checklists).values(row).onConflictDoNothing();
      const stored = await one(
        db.select().from(checklists).where(eq(checklists.fingerprint, row.fingerprint)).limit(1),
      );
      if (!stored) throw new Error(`checklist ${row.id} was not stored`);
      return stored;
    },
    evaluationById: (id) =>
      one(db.select().from(evaluations).where(eq(evaluations.id, id)).limit(1)),
    evaluationByFingerprint: (fp) =>
      one(db.select().from(evaluations).where(eq(evaluations.fingerprint, fp)).limit(1)),
    async putEvaluation(row) {
      await db.insert(evaluations).values(row).onConflictDoNothing();
      const stored = await one(
        db.select().from(evaluations).where(eq(evaluations.fingerprint, row.fingerprint)).limit(1),
      );
      if (!stored) throw new Error(`evaluation ${row.id} was not stored`);
      return stored;
    },
    async ping() {
      await db.select({ id: checklists.id }).from(checklists).limit(1);
    },
  };
}
