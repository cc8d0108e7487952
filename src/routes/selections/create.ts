import { createRoute, z } from "@hono/zod-openapi";
import type { Access } from "../../auth/access";
import type { App } from "../../env";
import { LIMIT_CEILINGS } from "../../config";
import { contextOf } from "../operation";
import { ChecklistChoice, Context, Instruction, ResponseText, SideScores, Usage, jsonBody, judgedResponses, notBothChecklists } from "../schemas";

export const CreateSelectionBody = z
  .strictObject({
    instruction: Instruction,
    context: Context,
    candidates: z
      .array(ResponseText)
      .min(2, "give at least 2 candidates")
      // How many, TICKBOX_MAX_CANDIDATES bounds, with the other configured limits; the contract states its ceiling.
      .openapi({
        maxItems: LIMIT_CEILINGS.candidates,
        description: `The responses to choose from (2-${LIMIT_CEILINGS.candidates}); the winner is an index into this list.`,
      }),
    ...ChecklistChoice,
    tie_break: z.enum(["pairwise", "first", "none"]).optional().openapi({
      description:
        "How a tie at the top is settled: `first` (default) the earliest tied candidate; `pairwise` one position-swapped direct comparison of the first two tied candidates (two upstream calls); `none` leaves `winner` null.",
    }),
  })
  .refine(...notBothChecklists)
  .openapi("CreateSelectionRequest");
export type CreateSelectionBody = z.infer<typeof CreateSelectionBody>;

const RankedCandidate = SideScores.extend({
  index: z.number().int().openapi({ description: "Position in the request's candidates." }),
  rank: z.number().int().openapi({ description: "1 + candidates ranked strictly above; tied candidates share it." }),
}).openapi("RankedCandidate");

export const Selection = z
  .object({
    winner: z.number().int().nullable().openapi({ description: "Index of the winning candidate; null only for a tie with tie_break none." }),
    ranking: z.array(RankedCandidate).openapi({
      description:
        "Best first: must-pass failures last, then by the weighted verdict score, then (ranked_by weighted_then_soft) by the soft score among verdict ties.",
    }),
    ranked_by: z.enum(["weighted", "weighted_then_soft"]).openapi({
      description:
        "`weighted_then_soft` when every candidate has p(YES) for every item, so the soft score orders candidates whose verdicts tie; else `weighted`, and verdict ties stay ties. p(YES) never outranks a verdict.",
    }),
    checklist_id: z.string(),
    margin: z.number().openapi({ description: "Winner's weighted score − runner-up's (≤ 0 across the must-pass line, which outranks any score)." }),
    p_ahead: z.number().min(0).max(1).nullable().openapi({
      description:
        "The probability that the winner would still rank strictly above the runner-up on verdicts if every verdict of both were redrawn from the judge's own p(YES), independently; null unless both have p(YES) for every item.",
    }),
    decisive: z.boolean().openapi({
      description: "The pick survives the judge's uncertainty: p_ahead ≥ 0.95; without p(YES), the winner strictly ahead on verdicts.",
    }),
    tied: z.array(z.number().int()).openapi({ description: "Indices sharing first place on the scores." }),
    tie_break: z
      .object({
        method: z.enum(["pairwise", "first", "none"]),
        between: z.tuple([z.number().int(), z.number().int()]),
        winner: z.enum(["a", "b", "tie"]).openapi({ description: "a = between[0], b = between[1]." }),
        position_bias: z.boolean(),
      })
      .nullable(),
    usage: Usage,
  })
  .openapi("Selection");

export const route = createRoute({
  method: "post",
  path: "/v1/selections",
  tags: ["selections"],
  summary: "Best-of-N: pick the best of several candidate responses by checklist",
  description:
    "One checklist (given, stored, or generated once), every candidate graded against it concurrently, each grading cached like an evaluation. A candidate that fails a must-pass item ranks below every one that meets them; then by the weighted verdict score, the soft score ordering only verdict ties (TICK). One failed grading fails the selection with the candidate's index in `errors`.",
  request: { body: jsonBody(CreateSelectionBody, "The instruction, the candidates, and the checklist to grade them against.") },
  responses: judgedResponses(Selection, "The ranking and its winner."),
});

export const access: Access = { auth: "key", scopes: ["evaluate"], objects: { "/checklist_id": "checklist" }, spends: true, body: "json" };

export function register(app: App) {
  return app.openapi(route, async (c) => c.json(await c.get("services").selections.select(c.req.valid("json"), contextOf(c)), 200));
}
