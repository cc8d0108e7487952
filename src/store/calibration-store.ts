import { and, eq } from "drizzle-orm";
import { calibrations } from "./schema-calibration";
import type { SqliteDb } from "./store";

export type CalibrationRow = typeof calibrations.$inferSelect;
export type NewCalibrationRow = typeof calibrations.$inferInsert;

export interface CalibrationStore {
  /** The tenant's profile with this id; another tenant's is not found. */
  calibrationById(tenant: string, id: string): Promise<CalibrationRow | undefined>;
  /** Inserts unless the id is stored already (same request, same profile); returns the stored row. */
  putCalibration(row: NewCalibrationRow): Promise<CalibrationRow>;
}

export function createCalibrationStore(db: SqliteDb): CalibrationStore {
  const calibrationById = async (tenant: string, id: string) =>
    (await db.select().from(calibrations).where(and(eq(calibrations.tenant, tenant), eq(calibrations.id, id))).limit(1).all())[0];
  return {
    calibrationById,
    async putCalibration(row) {
      await db.insert(calibrations).values(row).onConflictDoNothing();
      const stored = await calibrationById(row.tenant ?? "default", row.id);
      if (!stored) throw new Error(`calibration ${row.id} was not stored`);
      return stored;
    },
  };
}
