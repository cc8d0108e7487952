import { type FieldError, ProblemError } from "../errors";
import type { EvaluationInput, EvaluationView } from "../judge/judge";

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

const asText = (value: unknown): string => (typeof value === "string" ? value : JSON.stringify(value ?? ""));

function checklistFrom(value: unknown, name: string): EvaluationInput["checklist"] {
  if (value === undefined || value === null || value === "") return undefined;
  const list = typeof value === "string" ? value.split("\n").map((q) => q.trim()).filter(Boolean) : value;
  const bad = (message: string): never => {
    const errors: FieldError[] = [{ path: `/context/vars/${name}`, message }];
    throw new ProblemError("validation_failed", `vars.${name}: ${message}`, errors);
  };
  if (!Array.isArray(list) || list.length === 0) return bad("must be a list of questions");
  const items = list.map((entry) => {
    if (typeof entry === "string" && entry.trim()) return { question: entry.trim() };
    if (entry && typeof entry === "object" && typeof (entry as { question?: unknown }).question === "string") {
      const { question, weight, must_pass } = entry as { question: string; weight?: number; must_pass?: boolean };
      return { question, ...(weight === undefined ? {} : { weight }), ...(must_pass === undefined ? {} : { must_pass }) };
    }
    return bad("each question is a string or {question, weight?, must_pass?}");
  });
  return { items };
}

/** The evaluation request a promptfoo test case stands for. */
export function promptfooEvaluation(payload: PromptfooPayload, options: PromptfooOptions): EvaluationInput {
  const vars = payload.context.vars ?? {};
  const instruction = asText(vars[options.instructionVar] ?? payload.context.prompt).trim();
  if (!instruction) {
    throw new ProblemError("validation_failed", `no instruction: set vars.${options.instructionVar} or send the prompt`, [
      { path: "/context/prompt", message: "missing" },
    ]);
  }
  const response = asText(payload.output);
  return {
    instruction,
    response: response === "" ? " " : response,
    checklist: checklistFrom(vars[options.checklistVar], options.checklistVar),
    pass_threshold: options.passThreshold,
  };
}

/** promptfoo's {pass, score, reason}: pass as the evaluation passed, score its weighted score. */
export function promptfooVerdict(evaluation: EvaluationView): PromptfooVerdict {
  const { checklist, results, scores, passed, pass_threshold } = evaluation;
  const met = results.filter((r) => r.verdict === "YES").length;
  const unmet = results
    .filter((r) => r.verdict === "NO")
    .map((r) => checklist.items.find((i) => i.id === r.item_id)?.question ?? r.item_id);
  const head = `${met}/${results.length} checklist items met, weighted ${scores.weighted.toFixed(2)} (threshold ${pass_threshold})`;
  return {
    pass: passed,
    score: scores.weighted,
    reason: unmet.length === 0 ? head : `${head}; not met: ${unmet.join(" | ")}`,
    evaluation_id: evaluation.id,
  };
}
