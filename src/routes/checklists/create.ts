import { createRoute, z } from "@hono/zod-openapi";
import type { Access } from "../../auth/access";
import type { App } from "../../env";
import { contextOf } from "../operation";
import { checklistView } from "../../judge/judge";
import { Checklist, Context, Instruction, ItemsInput, MaxItems, commonErrors, jsonBody, upstreamErrors } from "../schemas";

export const CreateChecklistBody = z
  .strictObject({
    instruction: Instruction,
    context: Context,
    max_items: MaxItems,
    items: ItemsInput.optional().openapi({
      description: "Your own questions: stored as given, without calling a model.",
    }),
  })
  .openapi("CreateChecklistRequest");
export type CreateChecklistBody = z.infer<typeof CreateChecklistBody>;

export const route = createRoute({
  method: "post",
  path: "/v1/checklists",
  tags: ["checklists"],
  summary: "Generate a checklist for an instruction, or store your own",
  description:
    "Without `items`, the checklist model writes 2-12 YES/NO questions (TICK, Cook et al. 2024), each with a weight and a must-pass flag. Identical inputs return the stored checklist (`cached: true`) without an upstream call.",
  request: { body: jsonBody(CreateChecklistBody, "The instruction, and optionally your own items.") },
  responses: {
    200: { description: "The checklist.", content: { "application/json": { schema: Checklist } } },
    ...commonErrors,
    ...upstreamErrors,
  },
});

export const access: Access = { auth: "key", scopes: ["evaluate"], spends: true, body: "json", replay: "checklist" };

export function register(app: App) {
  return app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const { row, cached, usage } = await c.get("services").judge.checklist(body, contextOf(c));
    const view = checklistView(row, cached, usage);
    c.set("replayable", view);
    return c.json(view, 200);
  });
}
