import { z } from "@hono/zod-openapi";
import type { Access } from "../../auth/access";
import { computeScores, hasPassed } from "../../judge/scores";
import { evaluationId } from "../../store/evaluation-ids";
import { type EvaluationListRow, PREVIEW_CHARS } from "../../store/list-records";
import { NextCursor, isoFromSeconds, listOperation, previewOf } from "../pagination";
import { ObjectId, Scores, maxChars } from "../schemas";

const LIST = "evaluations";

export const EvaluationSummary = z
  .object({
    id: z.string(),
    checklist_id: z.string(),
    passed: z.boolean(),
    pass_threshold: z.number(),
    scores: Scores,
    signal: z.enum(["logprobs", "none"]),
    model: z.string(),
    prompt_version: z.string(),
    instruction_preview: z.string().openapi({ description: `The instruction's first ${PREVIEW_CHARS} characters.` }),
    response_preview: z.string().openapi({ description: `The response's first ${PREVIEW_CHARS} characters.` }),
    created_at: z.string(),
  })
  .openapi("EvaluationSummary", { description: "An evaluation as lists show it; GET /v1/evaluations/{id} gives all of it." });

/** Reads the caller's own objects only; lists what its key's scope may read. */
export const access: Access = { auth: "key", scopes: ["evaluate"], spends: false };

export const { route, register } = listOperation(
  {
    path: "/v1/evaluations",
    tag: "evaluations",
    summary: "List evaluations, newest first",
    description:
      "The caller's evaluations a page at a time, newest first. `passed` is judged at the server's pass threshold, as GET /v1/evaluations/{id} does; with that filter a page may hold fewer than `limit` items (even none) while `next_cursor` is not null: read on until it is.",
    name: LIST,
    filters: {
      checklist_id: ObjectId.optional().openapi({ description: "Only evaluations against this checklist." }),
      model: maxChars(z.string().min(1), 200).optional().openapi({ description: "Only evaluations graded by this judge model." }),
      passed: z.enum(["true", "false"]).optional().openapi({ description: "Only evaluations that passed (true) or did not (false)." }),
    },
    page: { description: "A page of evaluations.", schema: z.object({ evaluations: z.array(EvaluationSummary), next_cursor: NextCursor }) },
  },
  async (c, query, page) => {
    const threshold = c.get("services").judge.passThreshold;
    const passedOf = (row: EvaluationListRow) => hasPassed(row.items, row.results, computeScores(row.items, row.results).weighted, threshold);
    const wanted = query.passed === undefined ? undefined : query.passed === "true";
    const found = await c
      .get("services")
      .listings.evaluations(
        page.tenant,
        { ...page.range, checklistId: query.checklist_id, model: query.model },
        page.after,
        page.limit,
        wanted === undefined ? undefined : (row) => passedOf(row) === wanted,
      );
    const evaluations = found.rows.map((row) => {
      const scores = computeScores(row.items, row.results);
      return {
        // Named as a POST at the server's threshold names it: the grading judged at that threshold.
        id: evaluationId(row.id, threshold),
        checklist_id: row.checklistId,
        passed: hasPassed(row.items, row.results, scores.weighted, threshold),
        pass_threshold: threshold,
        scores,
        signal: row.signal,
        model: row.model,
        prompt_version: row.promptVersion,
        instruction_preview: previewOf(row.instruction),
        response_preview: previewOf(row.response),
        created_at: isoFromSeconds(row.createdAt),
      };
    });
    return { evaluations, next_cursor: page.cursorAfter(found.next) };
  },
);
