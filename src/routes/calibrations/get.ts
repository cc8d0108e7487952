import { createRoute } from "@hono/zod-openapi";
import type { Access } from "../../auth/access";
import type { App } from "../../env";
import { contextOf } from "../operation";
import { IdParam, commonErrors, notFound } from "../schemas";
import { Calibration } from "./schemas";

export const route = createRoute({
  method: "get",
  path: "/v1/calibrations/{id}",
  tags: ["calibrations"],
  summary: "Get a calibration profile",
  request: { params: IdParam("cb") },
  responses: {
    200: { description: "The profile.", content: { "application/json": { schema: Calibration } } },
    ...notFound,
    500: commonErrors[500],
  },
});

export const access: Access = { auth: "key", scopes: ["calibrate"], objects: { path: "calibration" }, spends: false };

export function register(app: App) {
  return app.openapi(route, async (c) => c.json(await c.get("services").calibrations.byId(c.req.valid("param").id, contextOf(c)), 200));
}
