import { createRoute, z } from "@hono/zod-openapi";
import type { Access } from "../../auth/access";
import type { App } from "../../env";
import { contextOf } from "../operation";
import {
  ChecklistChoice,
  Context,
  Instruction,
  ResponseText,
  SideScores,
  Usage,
  jsonBody,
  judgedResponses,
  notBothChecklists,
} from "../schemas";

export const MAX_CANDIDATES = 64;

export const CreateSelectionBody = z
  .strictObject({
    instruction: Instruction,
    context: Context,
    candidates: z
      .array(ResponseText)
      .min(2, "give at least 2 candidates")
      .max(MAX_CANDIDATES, `give at most ${MAX_CANDIDATES} candidates`)
      .openapi({ description: "The responses to choose from (2-64); the winner is an index into this list." }),
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
  rank_score: z.number().openapi({ description: "The score ranked on (see ranked_by)." }),
  spread: z.number().nullable().openapi({
    description: "Standard deviation of the weighted score with each verdict a Bernoulli(p(YES)); null without p(YES).",
  }),
}).openapi("RankedCandidate");

export const Selection = z
  .object({
    winner: z.number().int().nullable().openapi({ description: "Index of the winning candidate; null only for a tie with tie_break none." }),
    ranking: z.array(RankedCandidate).openapi({ description: "Best first: must-pass failures last, then by rank_score." }),
    ranked_by: z.enum(["soft_lower_bound", "weighted"]).openapi({
      description: "`soft_lower_bound` = soft − z·spread when every candidate has p(YES) for every item; else `weighted`.",
    }),
    z: z.number().nullable(),
    checklist_id: z.string(),
    margin: z.number().openapi({ description: "Winner's rank_score − runner-up's." }),
    decisive: z.boolean().openapi({
      description:
        "The winner is separated from the runner-up beyond the scores' uncertainty: by the must-pass line, or its lower bound above the runner-up's upper bound (soft + z·spread), or without p(YES) a strictly higher weighted score. A tie never is.",
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
    "One checklist (given, stored, or generated once), every candidate graded against it concurrently, each grading cached like an evaluation. A candidate that fails a must-pass item ranks below every one that meets them; then by the soft score's lower bound when p(YES) is known, else the weighted score. One failed grading fails the selection with the candidate's index in `errors`.",
  request: { body: jsonBody(CreateSelectionBody, "The instruction, the candidates, and the checklist to grade them against.") },
  responses: judgedResponses(Selection, "The ranking and its winner."),
});

export const access: Access = { auth: "key", scopes: ["evaluate"], objects: { "/checklist_id": "checklist" }, spends: true, body: "json" };

export function register(app: App) {
  return app.openapi(route, async (c) => c.json(await c.get("services").selections.select(c.req.valid("json"), contextOf(c)), 200));
}
