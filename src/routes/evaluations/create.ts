import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../env";
import { Context, Evaluation, Instruction, ItemsInput, MaxItems, commonErrors, jsonBody, notFound, upstreamErrors } from "../schemas";

/** The fields of an evaluation request, shared with batch items. */
export const evaluationFields = {
  instruction: Instruction,
  context: Context,
  response: z.string().min(1, "must not be empty").max(200_000).openapi({ description: "The response to grade." }),
  checklist_id: z.string().min(1).max(100).optional().openapi({ description: "A stored checklist to grade against." }),
  checklist: z.strictObject({ items: ItemsInput }).optional().openapi({ description: "Inline items to grade against." }),
  max_items: MaxItems,
  pass_threshold: z.number().min(0).max(1).optional().openapi({
    description: "Weighted score needed to pass (default TICKBOX_PASS_THRESHOLD).",
  }),
};

export const oneChecklistSource: [(b: { checklist_id?: string | undefined; checklist?: unknown }) => boolean, { message: string; path: string[] }] = [
  (b) => !(b.checklist_id && b.checklist),
  { message: "give checklist_id or checklist, not both", path: ["checklist"] },
];

export const CreateEvaluationBody = z
  .strictObject(evaluationFields)
  .refine(...oneChecklistSource)
  .openapi("CreateEvaluationRequest");
export type CreateEvaluationBody = z.infer<typeof CreateEvaluationBody>;

export const route = createRoute({
  method: "post",
  path: "/v1/evaluations",
  tags: ["evaluations"],
  summary: "Grade a response against a checklist, item by item",
  description:
    "With `checklist_id` or inline `checklist.items`, grades against those; with neither, a checklist is generated (and cached) first. One upstream call grades every item, under a JSON Schema with one required property per item. The same request again is served from the store.",
  request: { body: jsonBody(CreateEvaluationBody, "What to grade, and against which checklist.") },
  responses: {
    200: { description: "The evaluation.", content: { "application/json": { schema: Evaluation } } },
    ...commonErrors,
    ...notFound,
    ...upstreamErrors,
  },
});

export function register(app: App) {
  return app.openapi(route, async (c) => {
    const evaluation = await c.get("services").judge.evaluate(c.req.valid("json"));
    c.set("replayable", evaluation);
    return c.json(evaluation, 200);
  });
}
