import { z } from "@hono/zod-openapi";
import type { Access } from "../../auth/access";
import type { CalibrationView } from "../../judge/calibrations";
import { NextCursor, isoFromSeconds, listOperation } from "../pagination";

const LIST = "calibrations";

export const CalibrationSummary = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.enum(["pointwise", "pairwise"]),
    judges: z.array(z.string().nullable()).openapi({ description: "The judge model of each stage (one unless a cascade); null when unnamed." }),
    method: z.string(),
    calibrated: z.boolean(),
    n: z.number().int(),
    target: z.object({ alpha: z.number(), delta: z.number() }),
    lambdas: z.array(z.number().nullable()).openapi({
      description: "The threshold each judge answers at, in order: a cascade's one certified threshold, the same for every judge; null when none is certified.",
    }),
    coverage: z.number(),
    agreement: z.number().nullable(),
    created_at: z.string(),
  })
  .openapi("CalibrationSummary", { description: "A calibration profile as lists show it; GET /v1/calibrations/{id} gives all of it." });

/** Reads the caller's own objects only; lists what its key's scope may read. */
export const access: Access = { auth: "key", scopes: ["calibrate"], spends: false };

export const { route, register } = listOperation(
  {
    path: "/v1/calibrations",
    tag: "calibrations",
    summary: "List calibration profiles, newest first",
    name: LIST,
    filters: { kind: z.enum(["pointwise", "pairwise"]).optional().openapi({ description: "Only profiles of this kind." }) },
    page: { description: "A page of profiles.", schema: z.object({ calibrations: z.array(CalibrationSummary), next_cursor: NextCursor }) },
  },
  async (c, query, page) => {
    const found = await c.get("services").listings.calibrations(page.tenant, { ...page.range, kind: query.kind }, page.after, page.limit);
    const calibrations = found.rows.map((row) => {
      const profile = row.profile as CalibrationView;
      return {
        id: row.id,
        name: row.name,
        kind: row.kind,
        judges: profile.judges.map((j) => j.judge),
        method: profile.method,
        calibrated: profile.calibrated,
        n: profile.n,
        target: profile.target,
        lambdas: profile.judges.map((j) => j.threshold?.lambda ?? null),
        coverage: profile.coverage,
        agreement: profile.agreement,
        created_at: isoFromSeconds(row.createdAt),
      };
    });
    return { calibrations, next_cursor: page.cursorAfter(found.next) };
  },
);
