import type { EvaluationView } from "../judge/judge";

/** What promptfoo's `webhook` assertion POSTs: the output under test and the test case. */
export interface PromptfooPayload {
  output: unknown;
  context: { prompt?: unknown; vars?: Record<string, unknown> | undefined };
}

export interface PromptfooOptions {
  /** The var holding the instruction; without it (or when unset in the test) the prompt is the instruction. */
  instructionVar: string;
  /** The var holding checklist questions (strings or {question, weight?, must_pass?}); absent: generated. */
  checklistVar: string;
  passThreshold?: number | undefined;
}

export interface PromptfooVerdict {
  pass: boolean;
  score: number;
  reason: string;
  evaluation_id: string;
}

/** Text as it is; anything else as its JSON (the walk over the body has bounded its depth). */
const asText = (value: unknown): string => (typeof value === "string" ? value : value === undefined || value === null ? "" : JSON.stringify(value));

type Key = string | number;

/** A test case's evaluation request, not yet validated, and where each of its parts came from. */
export interface PromptfooRequest {
  request: { instruction: string; response: string; checklist?: { items: unknown }; pass_threshold?: number | undefined };
  /** Maps a path in `request` to the path in the payload it came from, for the 422's pointers. */
  place: (path: Key[]) => Key[];
}

/**
 * The evaluation request a promptfoo test case stands for: the instruction from a var or the
 * prompt, the output under test as the response (non-text output as its JSON), and the checklist
 * var as items (a list of questions as strings or {question, weight?, must_pass?}, or a string with
 * one per line). It is validated afterwards exactly as POST /v1/evaluations validates its body (the
 * same schema and limits), with errors pointing into the payload.
 */
export function promptfooRequest(payload: PromptfooPayload, options: PromptfooOptions): PromptfooRequest {
  const vars = payload.context.vars ?? {};
  const fromVar = vars[options.instructionVar] !== undefined;
  const list = vars[options.checklistVar];
  const items =
    list === undefined || list === null || list === ""
      ? undefined
      : typeof list === "string"
        ? list
            .split("\n")
            .map((q) => q.trim())
            .filter(Boolean)
            .map((question) => ({ question }))
        : Array.isArray(list)
          ? list.map((entry) => (typeof entry === "string" ? { question: entry } : entry))
          : list;
  const sources: Record<string, Key[]> = {
    instruction: fromVar ? ["context", "vars", options.instructionVar] : ["context", "prompt"],
    response: ["output"],
  };
  return {
    request: {
      instruction: asText(fromVar ? vars[options.instructionVar] : payload.context.prompt),
      response: asText(payload.output),
      ...(items === undefined ? {} : { checklist: { items } }),
      pass_threshold: options.passThreshold,
    },
    place: ([field, ...rest]) =>
      field === "checklist" ? ["context", "vars", options.checklistVar, ...rest.slice(1)] : [...(sources[String(field)] ?? [String(field)]), ...rest],
  };
}

/** promptfoo's {pass, score, reason}: pass as the evaluation passed, score its weighted score. */
export function promptfooVerdict(evaluation: EvaluationView): PromptfooVerdict {
  const { checklist, results, scores, passed, pass_threshold } = evaluation;
  const met = results.filter((r) => r.verdict === "YES").length;
  const unmet = results.filter((r) => r.verdict === "NO").map((r) => checklist.items.find((i) => i.id === r.item_id)?.question ?? r.item_id);
  const head = `${met}/${results.length} checklist items met, weighted ${scores.weighted.toFixed(2)} (threshold ${pass_threshold})`;
  return {
    pass: passed,
    score: scores.weighted,
    reason: unmet.length === 0 ? head : `${head}; not met: ${unmet.join(" | ")}`,
    evaluation_id: evaluation.id,
  };
}
