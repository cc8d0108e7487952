import type { BatchItem } from "drizzle-orm/batch";
import { type AnyD1Database, drizzle } from "drizzle-orm/d1";
import type { Query, SqlDatabase } from "./database";

/**
 * A D1 database for the drizzle stores. D1 refuses BEGIN: a group of statements goes as one
 * `batch()`, one round trip that D1 runs as one transaction, rolled back whole if a statement fails.
 */
export function openD1(binding: AnyD1Database): SqlDatabase {
  const db = drizzle(binding);
  const batch = async (statements: BatchItem<"sqlite">[]): Promise<unknown[]> => {
    const [first, ...rest] = statements;
    return first ? db.batch([first, ...rest]) : [];
  };
  return {
    db,
    atomic: async (build) => void (await batch(build())),
    // Each query's rows, as D1 answers a batch: one result per statement, in order.
    atomicRows: async <R>(build: () => Query<R>[]) => (await batch(build())) as R[][],
    atomicEach: async (_prepared, build, values) => void (await batch(values.map(build))),
  };
}
