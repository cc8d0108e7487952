import { createRoute, z } from "@hono/zod-openapi";
import type { Access } from "../../auth/access";
import type { App } from "../../env";
import { contextOf } from "../operation";
import { IdParam, QueryInt, commonErrors, notFound } from "../schemas";

export const route = createRoute({
  method: "get",
  path: "/v1/calibrations/{id}/reliability.svg",
  tags: ["calibrations"],
  summary: "Reliability diagram of a profile's held-out calibrated predictions",
  request: {
    params: IdParam("cb"),
    query: z.object({
      judge: QueryInt(0, 1000).optional().openapi({ description: "Cascade only: which judge (default 0)." }),
    }),
  },
  responses: {
    200: { description: "An SVG image.", content: { "image/svg+xml": { schema: z.string() } } },
    ...notFound,
    422: commonErrors[422],
    500: commonErrors[500],
  },
});

export const access: Access = { auth: "key", scopes: ["calibrate"], objects: { path: "calibration" }, spends: false };

export function register(app: App) {
  return app.openapi(route, async (c) => {
    const svg = await c.get("services").calibrations.reliabilitySvg(c.req.valid("param").id, c.req.valid("query").judge, contextOf(c));
    return c.body(svg, 200, { "content-type": "image/svg+xml; charset=utf-8" });
  });
}
