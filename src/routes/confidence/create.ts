import { createRoute } from "@hono/zod-openapi";
import type { Access } from "../../auth/access";
import type { App } from "../../env";
import { contextOf } from "../operation";
import { CreateConfidenceBody, ConfidenceResponse } from "../calibrations/schemas";
import { commonErrors, jsonBody, notFound, upstreamErrors } from "../schemas";

export const route = createRoute({
  method: "post",
  path: "/v1/confidence",
  tags: ["calibrations"],
  summary: "A profile's decision on a signal, with certified abstention and escalation",
  description:
    "Applies a profile to a raw signal (`p`, `p_a`), a stored evaluation (`evaluation_id`) or a new one (`instruction`, `response`, optional checklist). The judge answers when its confidence reaches the certified threshold — the confidence on the profile's `scale`: of the calibrated probability for pointwise profiles, of the raw p_a for pairwise ones — and otherwise abstains; in a cascade the next judge model then grades the same checklist. Given only a raw signal, a cascade cannot grade anything and names the judge to escalate to.",
  request: { body: jsonBody(CreateConfidenceBody, "The profile and the signal.") },
  responses: {
    200: { description: "The decision.", content: { "application/json": { schema: ConfidenceResponse } } },
    ...commonErrors,
    ...notFound,
    ...upstreamErrors,
  },
});

export const access: Access = {
  auth: "key",
  scopes: ["calibrate"],
  objects: { "/calibration_id": "calibration", "/evaluation_id": "evaluation", "/checklist_id": "checklist" },
  // A response to grade, or a stored evaluation a cascade may escalate, makes gradings.
  creates: { "/response": "evaluation", "/evaluation_id": "evaluation" },
  spends: true,
  body: "json",
};

export function register(app: App) {
  return app.openapi(route, async (c) => c.json(await c.get("services").confidence.confidence(c.req.valid("json"), contextOf(c)), 200));
}
