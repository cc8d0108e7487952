import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../env";
import { scopeOf } from "../scope";
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

export const CreateComparisonBody = z
  .strictObject({
    instruction: Instruction,
    context: Context,
    a: ResponseText.openapi({ description: "One response." }),
    b: ResponseText.openapi({ description: "The other response." }),
    ...ChecklistChoice,
    method: z.enum(["checklist", "direct", "both"]).optional().openapi({
      description:
        "`checklist` (default): grade both against one checklist and compare as a selection of two would. `direct`: ask the judge which is better, once in each order. `both`: the checklist decides, the direct judgement settles a checklist tie.",
    }),
  })
  .refine(...notBothChecklists)
  .openapi("CreateComparisonRequest");
export type CreateComparisonBody = z.infer<typeof CreateComparisonBody>;

const Side = z.enum(["a", "b"]);

const OrderedVerdict = z
  .object({
    shown_first: Side,
    preferred: Side,
    p_a: z.number().min(0).max(1).nullable().openapi({ description: "p(a better) at the answer token; null without logprobs." }),
    rationale: z.string(),
  })
  .openapi("OrderedVerdict");

export const Comparison = z
  .object({
    winner: z.enum(["a", "b", "tie"]),
    p_a: z.number().min(0).max(1).nullable().openapi({
      description: "p(a better), the mean over both orders of the direct judgement; null for `checklist` or without logprobs.",
    }),
    position_bias: z.boolean().openapi({
      description: "The two orders disagreed: the same position won both times, so position decided the first verdict (and the direct result is a tie).",
    }),
    method: z.enum(["checklist", "direct", "both"]),
    checklist_id: z.string().optional(),
    scores: z.object({ a: SideScores, b: SideScores }).optional(),
    checklist_winner: z.enum(["a", "b", "tie"]).optional(),
    orders: z.tuple([OrderedVerdict, OrderedVerdict]).optional().openapi({ description: "The direct judgements: a shown first, then b shown first." }),
    usage: Usage,
  })
  .openapi("Comparison");

export const route = createRoute({
  method: "post",
  path: "/v1/comparisons",
  tags: ["comparisons"],
  summary: "Compare two responses, by checklist or directly with the order swapped",
  description:
    "A direct judgement asks twice, with the responses in both orders; a side wins only if it wins in both, otherwise it is a tie with `position_bias`. Each ordered judgement is cached by fingerprint.",
  request: { body: jsonBody(CreateComparisonBody, "The instruction and the two responses.") },
  responses: judgedResponses(Comparison, "The comparison."),
});

export function register(app: App) {
  app.openapi(route, async (c) => c.json(await c.get("services").comparisons.compare(c.req.valid("json"), scopeOf(c)), 200));
}
