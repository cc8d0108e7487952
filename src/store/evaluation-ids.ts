/**
 * An evaluation is a stored grading judged at a pass threshold, and its id says both:
 * `ev_<grading>~<threshold>`, the threshold written as JavaScript writes the number (`0.8`, `1`).
 * Gradings are cache rows shared by every request that asks the same question, whatever threshold
 * it passes with; the threshold in the id is what makes `GET /v1/evaluations/{id}` answer exactly
 * what the POST that gave the id answered. A bare grading id (`ev_<grading>`, as older versions
 * gave) is answered at the server's TICKBOX_PASS_THRESHOLD.
 */
export function evaluationId(gradingId: string, threshold: number): string {
  return `${gradingId}~${threshold}`;
}

/** The grading and threshold an evaluation id names; null when it is not one (a 404). */
export function parseEvaluationId(id: string): { gradingId: string; threshold: number | null } | null {
  const at = id.indexOf("~");
  if (at < 0) return { gradingId: id, threshold: null };
  const text = id.slice(at + 1);
  const threshold = Number(text);
  // Only the form the service writes: one id per evaluation.
  if (!(threshold >= 0 && threshold <= 1) || String(threshold) !== text) return null;
  return { gradingId: id.slice(0, at), threshold };
}
