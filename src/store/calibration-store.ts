import { and, eq } from "drizzle-orm";
import type { SqlDatabase } from "./database";
import type { CalibrationStore } from "./ports";
import { calibrations } from "./schema-calibration";

export function createCalibrationStore({ db }: SqlDatabase): CalibrationStore {
  const calibrationById = async (tenant: string, id: string) =>
    (
      await db
        .select()
        .from(calibrations)
        .where(and(eq(calibrations.tenant, tenant), eq(calibrations.id, id)))
        .limit(1)
        .all()
    )[0];
  return {
    calibrationById,
    async putCalibration(record) {
      await db.insert(calibrations).values(record).onConflictDoNothing();
      const stored = await calibrationById(record.tenant, record.id);
      if (!stored) throw new Error(`calibration ${record.id} was not stored`);
      return stored;
    },
  };
}
