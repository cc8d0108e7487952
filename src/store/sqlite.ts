import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import type { SqliteDb } from "./store";

export const migrationsFolder = resolve(import.meta.dirname, "../../migrations");

/**
 * Opens (creating its folder) the SQLite file, or `:memory:`, and applies the migrations.
 * WAL lets readers go on while a write commits; NORMAL sync is durable across process crashes.
 */
export function openSqlite(path: string): { db: SqliteDb; close: () => void } {
  if (path !== ":memory:") mkdirSync(dirname(resolve(path)), { recursive: true });
  const sqlite = new Database(path);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("busy_timeout = 5000");
  sqlite.pragma("foreign_keys = ON");
  const db = drizzle(sqlite);
  migrate(db, { migrationsFolder });
  return { db, close: () => sqlite.close() };
}
