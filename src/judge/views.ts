import { evaluationId } from "../store/evaluation-ids";
import type { ChecklistRecord, GradingRecord } from "../store/records";
import type { Usage } from "../llm/usage";
import { computeScores, hasPassed } from "./scores";

// What the API answers for stored rows: the public shapes of a checklist and an evaluation.

export type EvaluationView = ReturnType<typeof evaluationView>;

export function checklistView(row: ChecklistRecord, cached: boolean, usage: Usage) {
  return {
    id: row.id,
    instruction: row.instruction,
    context: row.context ?? null,
    items: row.items,
    source: row.source,
    model: row.model ?? null,
    prompt_version: row.promptVersion ?? null,
    cached,
    usage,
  };
}

/** An evaluation: a stored grading judged at `threshold`, named by both (see evaluation-ids.ts). */
export function evaluationView(
  row: GradingRecord,
  checklist: ChecklistRecord,
  cached: boolean,
  usage: Usage,
  threshold: number,
  id = evaluationId(row.id, threshold),
) {
  const scores = computeScores(checklist.items, row.results);
  return {
    id,
    checklist: { id: checklist.id, items: checklist.items },
    results: row.results,
    signal: row.signal,
    scores,
    passed: hasPassed(checklist.items, row.results, scores.weighted, threshold),
    pass_threshold: threshold,
    model: row.model,
    prompt_version: row.promptVersion,
    cached,
    usage,
  };
}

/** A stored evaluation as GET /v1/evaluations/{id} gives it: the grading and what was graded. */
export function storedEvaluationView(row: GradingRecord, checklist: ChecklistRecord, usage: Usage, threshold: number, id?: string) {
  return {
    ...evaluationView(row, checklist, true, usage, threshold, id),
    instruction: row.instruction,
    context: row.context ?? null,
    response: row.response,
    created_at: new Date(row.createdAt * 1000).toISOString(),
  };
}
