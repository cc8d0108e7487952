import { createItemClaims } from "./batch-claims";
import { createBatchStore } from "./batch-store";
import { createBatchViews } from "./batch-views";
import { createCalibrationStore } from "./calibration-store";
import type { SqlDatabase } from "./database";
import { createKeyStore } from "./keys-store";
import { createListings } from "./listings";
import { createPairwiseStore } from "./pairwise-store";
import type { Stores } from "./ports";
import { createDrizzleStore } from "./store";
import { createUsageStore } from "./usage-store";

/** Every port over one SQLite database: better-sqlite3 (openSqlite) or D1 (openD1). */
export function createSqlStores(database: SqlDatabase): Stores {
  return {
    judge: createDrizzleStore(database),
    pairwise: createPairwiseStore(database),
    calibrations: createCalibrationStore(database),
    keys: createKeyStore(database),
    usage: createUsageStore(database),
    batches: createBatchStore(database),
    claims: createItemClaims(database),
    listings: createListings(database),
    batchViews: createBatchViews(database),
  };
}
