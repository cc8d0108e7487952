import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import type { Query, SqlDatabase } from "./database";

export const migrationsFolder = resolve(import.meta.dirname, "../../migrations");

/**
 * Applies the migrations not yet applied. drizzle reads which those are before it begins its
 * transaction, so two processes starting at once on a new file can both set out to apply all of
 * them: the second's statements then fail once the first commits. Read again, nothing is left to
 * apply, so a failed attempt is tried again a few times before its error stands.
 */
function migrateOnce(db: Parameters<typeof migrate>[0], attempts = 5): void {
  for (let attempt = 1; ; attempt++) {
    try {
      migrate(db, { migrationsFolder });
      return;
    } catch (error) {
      if (attempt >= attempts) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50 * attempt);
    }
  }
}

/**
 * Opens (creating its folder) the SQLite file, or `:memory:`, and applies the migrations.
 * WAL lets readers go on while a write commits; NORMAL sync is durable across process crashes.
 *
 * better-sqlite3 runs each statement as it is called, so a group of them shares one transaction
 * (one commit, which is most of a write's cost on a WAL file). The transaction is synchronous: an
 * `await` inside it would let other statements in, so the group is built first and run inside it.
 */
export function openSqlite(path: string): SqlDatabase & { close: () => void } {
  if (path !== ":memory:") mkdirSync(dirname(resolve(path)), { recursive: true });
  const sqlite = new Database(path);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("busy_timeout = 5000");
  sqlite.pragma("foreign_keys = ON");
  const db = drizzle(sqlite);
  migrateOnce(db);
  return {
    db,
    async atomic(build) {
      const statements = build();
      sqlite.transaction(() => {
        for (const statement of statements) statement.run();
      })();
    },
    async atomicRows<R>(build: () => Query<R>[]) {
      const queries = build();
      // Synchronous here: better-sqlite3 answers each query as it is run.
      return sqlite.transaction(() => queries.map((query) => query.all() as R[]))();
    },
    async atomicEach(prepared, _build, values) {
      sqlite.transaction(() => {
        for (const v of values) prepared.run(v as Record<string, unknown>);
      })();
    },
    close: () => sqlite.close(),
  };
}
