import { createRoute, z } from "@hono/zod-openapi";
import type { Access } from "../../auth/access";
import type { App } from "../../env";
import { contextOf } from "../operation";
import { ConfidenceBlock } from "../calibrations/schemas";
import {
  ChecklistChoice,
  Context,
  Evaluation,
  Instruction,
  ObjectId,
  maxChars,
  ResponseText,
  commonErrors,
  jsonBody,
  notBothChecklists,
  notFound,
  upstreamErrors,
} from "../schemas";

/** The fields of an evaluation request, shared with batch items. */
export const evaluationFields = {
  instruction: Instruction,
  context: Context,
  response: ResponseText.openapi({ description: "The response to grade." }),
  ...ChecklistChoice,
  pass_threshold: z.number().min(0).max(1).optional().openapi({
    description: "Weighted score needed to pass (default TICKBOX_PASS_THRESHOLD).",
  }),
  judge: maxChars(z.string().min(1), 200).optional().openapi({
    description:
      "The judge model: TICKBOX_JUDGE_MODEL (the default) or one of TICKBOX_JUDGE_MODELS; any other is a 422, as is one other than a calibration profile's judge. Each judge's answers are stored apart, so the same items judged by each judge of a cascade can be fitted as one (tickbox calibrate --server --judge a,b).",
  }),
};

export const CreateEvaluationBody = z
  .strictObject({
    ...evaluationFields,
    calibration_id: ObjectId.optional().openapi({
      description: "A pointwise calibration profile: the response then carries its confidence block, and the profile's judge grades.",
    }),
  })
  .refine(...notBothChecklists)
  .openapi("CreateEvaluationRequest");
export type CreateEvaluationBody = z.infer<typeof CreateEvaluationBody>;

const CalibratedEvaluation = Evaluation.extend({ confidence: ConfidenceBlock.optional() }).openapi("CalibratedEvaluation");

export const route = createRoute({
  method: "post",
  path: "/v1/evaluations",
  tags: ["evaluations"],
  summary: "Grade a response against a checklist, item by item",
  description:
    "With `checklist_id` or inline `checklist.items`, grades against those; with neither, a checklist is generated (and cached) first. One upstream call grades every item, under a JSON Schema with one required property per item. The same request again is served from the store.",
  request: { body: jsonBody(CreateEvaluationBody, "What to grade, and against which checklist.") },
  responses: {
    200: { description: "The evaluation.", content: { "application/json": { schema: CalibratedEvaluation } } },
    ...commonErrors,
    ...notFound,
    ...upstreamErrors,
  },
});

export const access: Access = {
  auth: "key",
  scopes: ["evaluate"],
  objects: { "/checklist_id": "checklist", "/calibration_id": "calibration" },
  spends: true,
  body: "json",
  replay: "grading",
};

export function register(app: App) {
  return app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const { judge, confidence } = c.get("services");
    // Profiles are immutable, so a calibrated evaluation is as replayable as a plain one.
    const ctx = contextOf(c);
    const evaluation = body.calibration_id ? await confidence.evaluate({ ...body, calibration_id: body.calibration_id }, ctx) : await judge.evaluate(body, ctx);
    c.set("replayable", evaluation);
    return c.json(evaluation, 200);
  });
}
