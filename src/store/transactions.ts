import type { SqliteDb } from "./store";

/** The part of a better-sqlite3 database that runs a synchronous transaction. */
interface SyncDb {
  transaction<T>(run: () => T): T;
}

/** The part of a D1 database that sends statements together, in one round trip and one transaction. */
interface BatchingDb {
  batch(statements: readonly unknown[]): Promise<unknown>;
}

/** better-sqlite3 runs each statement as it is called, so a group of them can share a transaction. */
function isSync(db: SqliteDb): db is SqliteDb & SyncDb {
  return (db as unknown as { resultKind?: string }).resultKind === "sync";
}

/**
 * Runs statements as one transaction: inside `db.transaction` on better-sqlite3 (one commit, which
 * is most of a write's cost on a WAL file), as one `db.batch()` on D1 (which refuses BEGIN; a batch
 * is one round trip and is rolled back whole if a statement fails).
 */
export async function inOneTransaction(db: SqliteDb, statements: { run(): unknown }[]): Promise<void> {
  if (statements.length === 0) return;
  if (isSync(db)) {
    db.transaction(() => {
      for (const statement of statements) statement.run();
    });
    return;
  }
  await (db as unknown as BatchingDb).batch(statements);
}

/**
 * Runs a statement once per set of values in one transaction: a statement prepared once and run
 * per set on better-sqlite3, where building SQL costs more than running it; one built per set and
 * sent as one batch on D1, where a round trip costs more than building.
 */
export async function runEach<P extends object>(
  db: SqliteDb,
  prepared: { run(values: Record<string, unknown>): unknown },
  build: (values: P) => { run(): unknown },
  values: P[],
): Promise<void> {
  if (isSync(db)) {
    db.transaction(() => {
      for (const v of values) prepared.run(v as Record<string, unknown>);
    });
    return;
  }
  await inOneTransaction(db, values.map(build));
}

/**
 * Runs queries that return rows as one transaction and returns each one's rows: one `db.batch()` on
 * D1, one after another in a transaction on better-sqlite3.
 */
export async function allInOneTransaction<R>(db: SqliteDb, queries: { all(): R[] | Promise<R[]> }[]): Promise<R[][]> {
  if (queries.length === 0) return [];
  if (isSync(db)) return db.transaction(() => queries.map((query) => query.all() as R[]));
  return (await (db as unknown as BatchingDb).batch(queries)) as R[][];
}
