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
    "Fits a calibration map and certifies an abstention threshold by fixed-sequence Clopper–Pearson testing (Trust or Escalate), on labels no map was fitted on. Pairwise: a symmetric map fitted on every label (auto: none under 50 labels, Platt under 200, beta under 1,000, then isotonic), measured by 5-fold cross-validation; the threshold applies to the raw confidence, so every label certifies it. Pointwise: the map is fitted on a fifth of the labels and measured and certified on the rest (auto: none under 248 labels, Platt under 998, beta under 4,998, then isotonic); the threshold applies to the calibrated confidence. With `judges`, each judge of the cascade gets its own map and the cascade one threshold, certified as a whole on the items routed from its first judge (each judge's share in `n_reaching`, `n_decided`, `n_errors`).",
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
