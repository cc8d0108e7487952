import { createRoute, z } from "@hono/zod-openapi";
import type { Access } from "../../auth/access";
import type { App } from "../../env";
import { contextOf } from "../operation";
import { ConfidenceBlock } from "../calibrations/schemas";
import { evaluationFields } from "../evaluations/create";
import { ChecklistChoice, Context, Instruction, ResponseText, SideScores, Usage, jsonBody, judgedResponses, ObjectId, notBothChecklists } from "../schemas";

export const CreateComparisonBody = z
  .strictObject({
    instruction: Instruction,
    context: Context,
    a: ResponseText.openapi({ description: "One response." }),
    b: ResponseText.openapi({ description: "The other response." }),
    ...ChecklistChoice,
    method: z.enum(["checklist", "direct", "both"]).optional().openapi({
      description:
        "`checklist` (default): grade both against one checklist and compare as a selection of two would (must-pass line, weighted verdict score, then the soft score among verdict ties). `direct`: ask the judge which is better, once in each order. `both`: the checklist decides, the direct judgement settles a checklist tie.",
    }),
    judge: evaluationFields.judge,
    calibration_id: ObjectId.optional().openapi({
      description:
        "A pairwise calibration profile (needs method direct or both). The comparison is then made by the profile's judge model (the first of a cascade), and the answer carries a confidence block for its p_a; when a cascade's judge abstains, the next one compares the same pair directly, until one answers.",
    }),
  })
  .refine(...notBothChecklists)
  .refine((b) => !(b.calibration_id && (b.method ?? "checklist") === "checklist"), {
    message: "a calibrated comparison needs the direct judgement's p_a: use method direct or both",
    path: ["calibration_id"],
  })
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
    confidence: ConfidenceBlock.nullable().optional().openapi({
      description:
        "With calibration_id: the profile's decision on p(a better) — the map's p_calibrated, the confidence on the profile's scale (raw for pairwise profiles), certified abstention and its guarantee, and every judge of a cascade consulted; null when the first judge gave no logprobs, so there is no p_a to decide on.",
    }),
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

export const access: Access = {
  auth: "key",
  scopes: ["evaluate"],
  objects: { "/checklist_id": "checklist", "/calibration_id": "calibration" },
  spends: true,
  body: "json",
};

export function register(app: App) {
  return app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const { comparisons, confidence, judge } = c.get("services");
    const ctx = contextOf(c);
    // The objects named are checked first, so that a wrong id or kind costs no upstream call (the
    // direct judgement would otherwise run beside the checklist's lookup).
    if (body.checklist_id) await judge.checklistById(body.checklist_id, ctx, "/checklist_id");
    const { calibration_id, ...request } = body;
    const comparison = calibration_id ? await confidence.compare({ ...request, calibration_id }, ctx) : await comparisons.compare(request, ctx);
    return c.json(comparison, 200);
  });
}
