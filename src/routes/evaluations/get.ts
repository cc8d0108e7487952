import { createRoute, z } from "@hono/zod-openapi";
import type { Access } from "../../auth/access";
import type { App } from "../../env";
import { contextOf } from "../operation";
import { Evaluation, IdParam, commonErrors, notFound } from "../schemas";

export const StoredEvaluation = Evaluation.extend({
  instruction: z.string(),
  context: z.string().nullable(),
  response: z.string(),
  created_at: z.string(),
}).openapi("StoredEvaluation", { description: "An evaluation with the instruction, context and response it graded." });

export const route = createRoute({
  method: "get",
  path: "/v1/evaluations/{id}",
  tags: ["evaluations"],
  summary: "Get an evaluation",
  request: { params: IdParam("ev") },
  responses: {
    200: { description: "The evaluation and what it graded.", content: { "application/json": { schema: StoredEvaluation } } },
    ...notFound,
    500: commonErrors[500],
  },
});

export const access: Access = { auth: "key", scopes: ["evaluate"], objects: { path: "evaluation" }, spends: false };

export function register(app: App) {
  return app.openapi(route, async (c) => {
    return c.json(await c.get("services").judge.evaluationById(c.req.valid("param").id, contextOf(c)), 200);
  });
}
