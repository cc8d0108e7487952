import type { Stores } from "./ports";
import { createSqlStores } from "./sql-stores";
import { openSqlite } from "./sqlite";

/**
 * The stores of the Node service, at TICKBOX_DB: an SQLite file (its folder made, migrations
 * applied) or `:memory:`. The one place the Node entry's store is chosen (see docs/stores.md).
 */
export function openNodeStores(location: string): { stores: Stores; close: () => void } {
  const database = openSqlite(location);
  return { stores: createSqlStores(database), close: database.close };
}
