import { createRoute, z } from "@hono/zod-openapi";
import type { Access } from "../../auth/access";
import type { App } from "../../env";
import { contextOf } from "../operation";
import { invalid } from "../../judge/calibrations";
import { ConfidenceBlock } from "../calibrations/schemas";
import {
  ChecklistChoice,
  Context,
  Instruction,
  ResponseText,
  SideScores,
  Usage,
  jsonBody,
  judgedResponses,
  maxChars,
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
        "`checklist` (default): grade both against one checklist and compare as a selection of two would (must-pass line, weighted verdict score, then the soft score among verdict ties). `direct`: ask the judge which is better, once in each order. `both`: the checklist decides, the direct judgement settles a checklist tie.",
    }),
    calibration_id: maxChars(z.string().min(1), 100).optional().openapi({
      description: "A pairwise calibration profile: the answer then carries a confidence block for p_a (needs method direct or both).",
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
      description: "With calibration_id: the calibrated p(a better), certified abstention and its guarantee; null when the server gave no logprobs, so there is no p_a to calibrate.",
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
    const { calibration_id, ...body } = c.req.valid("json");
    const { comparisons, confidence } = c.get("services");
    const ctx = contextOf(c);
    // The objects named are checked first, so that a wrong id or kind costs no upstream call (the
    // direct judgement would otherwise run beside the checklist's lookup).
    if (body.checklist_id) await c.get("services").judge.checklistById(body.checklist_id, ctx, "/checklist_id");
    const profile = calibration_id ? await c.get("services").calibrations.byId(calibration_id, ctx, "/calibration_id") : null;
    if (profile && profile.kind !== "pairwise") throw invalid("/calibration_id", "a comparison needs a pairwise profile");
    const comparison = await comparisons.compare(body, ctx);
    if (!calibration_id) return c.json(comparison, 200);
    const block = comparison.p_a === null ? null : await confidence.forComparison(calibration_id, comparison.p_a, ctx);
    return c.json({ ...comparison, confidence: block }, 200);
  });
}
