import { createRoute, z } from "@hono/zod-openapi";
import type { Access } from "../../auth/access";
import type { App } from "../../env";
import { promptfooRequest, promptfooVerdict } from "../../integrations/promptfoo";
import { validateInput } from "../../middleware/validate";
import { evaluationFields } from "../evaluations/create";
import { QueryNumber, commonErrors, jsonBody, maxChars, notFound, upstreamErrors } from "../schemas";
import { contextOf } from "../operation";

// promptfoo owns this payload and may add members: unknown ones are ignored, not refused.
export const PromptfooBody = z
  .looseObject({
    output: z.unknown().openapi({ description: "The output under test (text, or anything JSON)." }),
    context: z.looseObject({
      prompt: z.unknown().optional(),
      vars: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .openapi("PromptfooWebhookRequest");

/**
 * The evaluation a test case stands for, checked by the very fields POST /v1/evaluations checks
 * (and so its checklist as POST /v1/checklists checks items): one rule, in one place.
 */
const PromptfooEvaluation = z.strictObject({
  instruction: evaluationFields.instruction,
  response: evaluationFields.response,
  checklist: evaluationFields.checklist,
  pass_threshold: evaluationFields.pass_threshold,
});

export const PromptfooVerdict = z
  .object({
    pass: z.boolean(),
    score: z.number().openapi({ description: "The weighted checklist score." }),
    reason: z.string(),
    evaluation_id: z.string(),
  })
  .openapi("PromptfooWebhookResponse");

export const route = createRoute({
  method: "post",
  path: "/v1/integrations/promptfoo",
  tags: ["integrations"],
  summary: "Grade a promptfoo output (its `webhook` assertion)",
  description:
    "promptfoo's `webhook` assertion POSTs `{output, context: {prompt, vars}}` and reads `{pass, score, reason}`. The instruction is `vars.<instruction_var>` when the test sets it, else the rendered prompt; the checklist is `vars.<checklist_var>` (a list of questions, or a string with one per line) when set, else generated and cached.",
  request: {
    query: z.object({
      instruction_var: maxChars(z.string().min(1), 100).default("instruction").openapi({ description: "Var holding the instruction (default `instruction`)." }),
      checklist_var: maxChars(z.string().min(1), 100).default("checklist").openapi({ description: "Var holding the checklist (default `checklist`)." }),
      pass_threshold: QueryNumber(0, 1).optional(),
    }),
    body: jsonBody(PromptfooBody, "promptfoo's webhook payload."),
  },
  responses: {
    200: { description: "The verdict in promptfoo's terms.", content: { "application/json": { schema: PromptfooVerdict } } },
    ...commonErrors,
    ...notFound,
    ...upstreamErrors,
  },
});

/** Graded as the caller: their tenant, their usage, their budget. */
export const access: Access = { auth: "key", scopes: ["evaluate"], spends: true, body: "json" };

export function register(app: App) {
  return app.openapi(route, async (c) => {
    const query = c.req.valid("query");
    const { judge, limits } = c.get("services");
    const { request, place } = promptfooRequest(c.req.valid("json") as Parameters<typeof promptfooRequest>[0], {
      instructionVar: query.instruction_var,
      checklistVar: query.checklist_var,
      passThreshold: query.pass_threshold,
    });
    const input = validateInput(PromptfooEvaluation, request, limits, place);
    return c.json(promptfooVerdict(await judge.evaluate(input, contextOf(c))), 200);
  });
}
