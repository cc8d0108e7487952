import { createRoute, z } from "@hono/zod-openapi";
import type { Access } from "../../auth/access";
import type { App } from "../../env";
import { contextOf } from "../operation";
import { ChecklistChoice, Context, Instruction, ResponseText, Scores, Usage, jsonBody, judgedResponses, notBothChecklists } from "../schemas";

export const CreateRefinementBody = z
  .strictObject({
    instruction: Instruction,
    context: Context,
    response: ResponseText.openapi({ description: "The response to refine." }),
    ...ChecklistChoice,
    max_rounds: z.number().int().min(1).max(5).optional().openapi({ description: "Most revisions to write (1-5, default 3)." }),
  })
  .refine(...notBothChecklists)
  .openapi("CreateRefinementRequest");
export type CreateRefinementBody = z.infer<typeof CreateRefinementBody>;

const Round = z
  .object({
    round: z.number().int().openapi({ description: "0 is the response as given; r the revision written in round r." }),
    response: z.string(),
    evaluation_id: z.string(),
    scores: Scores,
    must_pass_met: z.boolean(),
    passed: z.boolean(),
    failed_items: z.array(z.object({ item_id: z.string(), question: z.string(), rationale: z.string() })),
  })
  .openapi("RefinementRound");

export const Refinement = z
  .object({
    checklist_id: z.string(),
    rounds: z.array(Round),
    best: Round.openapi({ description: "The highest-ranked round (must-pass line, then weighted); the original on ties." }),
    stop_reason: z.enum(["all_passed", "no_improvement", "max_rounds"]),
    reviser_model: z.string(),
    usage: Usage,
  })
  .openapi("Refinement");

export const route = createRoute({
  method: "post",
  path: "/v1/refinements",
  tags: ["refinements"],
  summary: "Refine a response from its failed checklist items (STICK)",
  description:
    "Grades the response; while items fail, the reviser (TICKBOX_REVISER_MODEL, default the judge model) gets the failed items with their rationales and writes a revision, which is graded. Stops when every item passes, when a revision does not rank above the response it revised, or after max_rounds. Revisions and gradings are cached.",
  request: { body: jsonBody(CreateRefinementBody, "The instruction, the response, and the checklist to refine against.") },
  responses: judgedResponses(Refinement, "Every round and the best response."),
});

export const access: Access = { auth: "key", scopes: ["evaluate"], objects: { "/checklist_id": "checklist" }, spends: true, body: "json" };

export function register(app: App) {
  return app.openapi(route, async (c) => c.json(await c.get("services").refinements.refine(c.req.valid("json"), contextOf(c)), 200));
}
