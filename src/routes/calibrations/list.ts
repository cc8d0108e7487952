import { createRoute, z } from "@hono/zod-openapi";
import type { Access } from "../../auth/access";
import type { App } from "../../env";
import type { CalibrationView } from "../../judge/calibrations";
import { NextCursor, createdRange, decodeCursor, isoFromSeconds, nextCursor, pageQuery } from "../pagination";
import { commonErrors } from "../schemas";
import { contextOf } from "../operation";

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

export const route = createRoute({
  method: "get",
  path: "/v1/calibrations",
  tags: ["calibrations"],
  summary: "List calibration profiles, newest first",
  request: {
    query: z.object({
      ...pageQuery,
      kind: z.enum(["pointwise", "pairwise"]).optional().openapi({ description: "Only profiles of this kind." }),
    }),
  },
  responses: {
    200: {
      description: "A page of profiles.",
      content: { "application/json": { schema: z.object({ calibrations: z.array(CalibrationSummary), next_cursor: NextCursor }) } },
    },
    422: commonErrors[422],
    500: commonErrors[500],
  },
});

/** Reads the caller's own objects only; lists what its key's scope may read. */
export const access: Access = { auth: "key", scopes: ["calibrate"], spends: false };

export function register(app: App) {
  return app.openapi(route, async (c) => {
    const { tenant } = contextOf(c);
    const query = c.req.valid("query");
    const page = await c
      .get("services")
      .listings.calibrations(tenant, { ...createdRange(query), kind: query.kind }, decodeCursor(LIST, query.cursor), query.limit);
    const calibrations = page.rows.map((row) => {
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
    return c.json({ calibrations, next_cursor: nextCursor(LIST, page.next) }, 200);
  });
}
