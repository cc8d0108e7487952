import type { BatchItem } from "drizzle-orm/batch";
import type { BaseSQLiteDatabase } from "drizzle-orm/sqlite-core";

// Either driver: better-sqlite3 ("sync") or D1 ("async"); drizzle's builders are awaitable on both.
// biome-ignore lint/suspicious/noExplicitAny: the run result differs by driver (better-sqlite3, D1) and is never read
type SqliteDb = BaseSQLiteDatabase<"sync" | "async", any, Record<string, never>>;

/** A statement built by drizzle: run alone, or as one of a group that `atomic` runs. */
interface Statement extends BatchItem<"sqlite"> {
  run(): unknown;
}

/** A statement that returns rows (a SELECT, or a write with RETURNING). */
export interface Query<R> extends BatchItem<"sqlite"> {
  all(): R[] | Promise<R[]>;
}

/** A statement prepared once, run with one set of values at a time. */
interface Prepared {
  run(values: Record<string, unknown>): unknown;
}

/**
 * A SQLite database as the drizzle stores use it: drizzle's query builders for single statements,
 * and groups of statements that take effect together or not at all. The two drivers do that
 * differently, and each says so where it is opened: better-sqlite3 runs a group inside one
 * synchronous transaction (src/store/sqlite.ts); D1, which refuses BEGIN, sends it as one
 * `batch()`, one round trip that is rolled back whole if a statement fails (src/store/d1.ts).
 */
export interface SqlDatabase {
  readonly db: SqliteDb;
  /** Runs the statements `build` makes as one transaction. */
  atomic(build: () => Statement[]): Promise<void>;
  /** Runs the queries `build` makes as one transaction; each one's rows, in order. */
  atomicRows<R>(build: () => Query<R>[]): Promise<R[][]>;
  /**
   * Runs one statement per set of values as one transaction: `prepared` (built once) with each set
   * where building SQL costs more than running it (better-sqlite3); `build(values)` for each, sent
   * together, where a round trip costs more than building (D1).
   */
  atomicEach<P extends object>(prepared: Prepared, build: (values: P) => Statement, values: readonly P[]): Promise<void>;
}
