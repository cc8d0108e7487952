import { createRoute } from "@hono/zod-openapi";
import type { Access } from "../../auth/access";
import type { App } from "../../env";
import { contextOf } from "../operation";
import { commonErrors, jsonBody } from "../schemas";
import { Calibration, CreateCalibrationBody } from "./schemas";

export const route = createRoute({
  method: "post",
  path: "/v1/calibrations",
  tags: ["calibrations"],
  summary: "Fit a calibration profile from labelled examples",
  description:
    "Fits a calibration map (auto: none under 50 labels, Platt under 200, beta under 1,000, then isotonic; pairwise maps are symmetric), measures it on held-out predictions with bootstrap intervals, and certifies an abstention threshold by fixed-sequence Clopper–Pearson testing (Trust or Escalate). With `judges`, each judge of the cascade is fitted on its own examples and certified on the items that reach it.",
  request: { body: jsonBody(CreateCalibrationBody, "The labelled examples and what to certify.") },
  responses: {
    200: { description: "The stored profile.", content: { "application/json": { schema: Calibration } } },
    ...commonErrors,
  },
});

export const access: Access = {
  auth: "key",
  scopes: ["calibrate"],
  objects: { "/examples/*/evaluation_id": "evaluation", "/judges/*/examples/*/evaluation_id": "evaluation" },
  spends: false,
  body: "json",
};

export function register(app: App) {
  return app.openapi(route, async (c) => c.json(await c.get("services").calibrations.create(c.req.valid("json"), contextOf(c)), 200));
}
