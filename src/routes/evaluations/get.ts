import { z } from "@hono/zod-openapi";
import type { Access } from "../../auth/access";
import { getById } from "../by-id";
import { contextOf } from "../operation";
import { Evaluation } from "../schemas";

export const StoredEvaluation = Evaluation.extend({
  instruction: z.string(),
  context: z.string().nullable(),
  response: z.string(),
  created_at: z.string(),
}).openapi("StoredEvaluation", { description: "An evaluation with the instruction, context and response it graded." });

export const access: Access = { auth: "key", scopes: ["evaluate"], objects: { path: "evaluation" }, spends: false };

export const { route, register } = getById(
  {
    path: "/v1/evaluations/{id}",
    tag: "evaluations",
    summary: "Get an evaluation",
    idPrefix: "ev",
    ok: { description: "The evaluation and what it graded.", schema: StoredEvaluation },
  },
  (id, c) => c.get("services").judge.evaluationById(id, contextOf(c)),
);
