import { and, eq, getTableColumns, sql } from "drizzle-orm";
import type { SQLiteInsertValue } from "drizzle-orm/sqlite-core";
import type { SqlDatabase } from "./database";
import { parseEvaluationId } from "./evaluation-ids";
import type { Store } from "./ports";
import { checklists, evaluations } from "./schema";

/** The drizzle rows behind the records (tests that seed a database write them). */
export type ChecklistRow = typeof checklists.$inferSelect;
export type EvaluationRow = typeof evaluations.$inferSelect;

type Table = typeof checklists | typeof evaluations;

/**
 * The Store over drizzle, on either SQLite driver. Lookups are prepared once (building the SQL on
 * every call cost more than running it), and have no LIMIT: they go by a primary key or a unique
 * index, and a bound LIMIT parameter cost SQLite as much again as the lookup. Writes are single
 * idempotent statements, so they need no transaction.
 */
export function createDrizzleStore({ db }: SqlDatabase): Store {
  const lookups = <T extends Table>(table: T) => {
    const t = table as typeof checklists;
    type Row = T["$inferSelect"];
    const prepared = (column: "id" | "fingerprint") =>
      db
        .select()
        .from(t)
        .where(and(eq(t.tenant, sql.placeholder("tenant")), eq(t[column], sql.placeholder("key"))))
        .prepare();
    const byId = prepared("id");
    const byFingerprint = prepared("fingerprint");
    const anyByFingerprint = db
      .select()
      .from(t)
      .where(eq(t.fingerprint, sql.placeholder("key")))
      .limit(1)
      .prepare();
    // Rows come back as value arrays in column order and are mapped to records here, the store's
    // edge: drizzle's general mapper cost as much as the query.
    const fields = Object.entries(getTableColumns(t));
    const toRow = (values: unknown[] | undefined) => {
      if (!values) return undefined;
      const row: Record<string, unknown> = {};
      for (let i = 0; i < fields.length; i++) {
        const [name, column] = fields[i]!;
        const value = values[i];
        row[name] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
      }
      return row as Row;
    };
    // Every column as a placeholder: the statement is built once. Only the id comes back, which
    // says whether the row went in; the row itself is the one just written.
    const columns = Object.keys(getTableColumns(t));
    const insert = db
      .insert(t)
      .values(Object.fromEntries(columns.map((name) => [name, sql.placeholder(name)])) as SQLiteInsertValue<typeof checklists>)
      .onConflictDoNothing()
      .returning({ id: t.id })
      .prepare();
    return {
      byId: async (tenant: string, key: string) => toRow((await byId.values({ tenant, key }))[0]),
      byFingerprint: async (tenant: string, key: string) => toRow((await byFingerprint.values({ tenant, key }))[0]),
      anyByFingerprint: async (key: string) => (await anyByFingerprint.all({ key }))[0] as Row | undefined,
      /** Inserts unless the fingerprint is stored already for the tenant; returns the row written, or the one stored before. */
      async put(row: Omit<Row, "createdAt">): Promise<Row> {
        // On a conflict (another process stored the same fingerprint first) nothing comes back and
        // the stored row is read instead.
        const given: Record<string, unknown> = row;
        const values = Object.fromEntries(columns.map((name) => [name, given[name] ?? null]));
        values.createdAt = Math.floor(Date.now() / 1000); // as the column's default, unixepoch()
        if ((await insert.all(values)).length > 0) return values as Row;
        const stored = toRow((await byFingerprint.values({ tenant: row.tenant, key: row.fingerprint }))[0]);
        if (!stored) throw new Error(`row ${row.id} was not stored`);
        return stored;
      },
    };
  };
  const c = lookups(checklists);
  const e = lookups(evaluations);
  return {
    checklistById: c.byId,
    checklistByFingerprint: c.byFingerprint,
    anyChecklistByFingerprint: c.anyByFingerprint,
    putChecklist: c.put,
    evaluationById: async (tenant, id) => {
      const gradingId = parseEvaluationId(id)?.gradingId;
      return gradingId === undefined ? undefined : e.byId(tenant, gradingId);
    },
    gradingByFingerprint: e.byFingerprint,
    anyGradingByFingerprint: e.anyByFingerprint,
    putGrading: e.put,
    async ping() {
      await c.byId("", "");
    },
  };
}
