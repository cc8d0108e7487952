import type { LlmClient } from "../llm/types";
import { verdictProbabilities } from "../llm/logprobs";
import type { ChecklistRecord, ItemVerdict, NewGrading } from "../store/records";
import { canonicalJson, sha256Hex } from "../store/fingerprint";
import type { RequestContext } from "../context";
import { askStructured } from "./ask";
import { GRADING_SCHEMA_NAME, gradingAnswerValidator, gradingSchema } from "./output";
import { GRADING_PROMPT_VERSION, gradingMessages } from "./prompts";

/** A grading as made, before it belongs to anyone: its id and tenant come with its owner (see Judge). */
export type GradingContent = Omit<NewGrading, "id" | "tenant">;

export interface GradingInput {
  checklist: Pick<ChecklistRecord, "id" | "contentHash" | "items">;
  instruction: string;
  context: string | null;
  response: string;
  model: string;
  params: Record<string, unknown>;
}

/**
 * Everything that shapes a grading; the cache key of an evaluation: the fingerprint of
 * `{kind, prompt_version, model, params, checklist, instruction, context, response}`. Every stored
 * evaluation is looked up by it, so its canonical JSON is written out here, keys in their sorted
 * order, rather than sorted on each call; it is the same text (test/unit/fingerprint.test.ts).
 */
export function gradingFingerprint(input: GradingInput): Promise<string> {
  const text =
    `{"checklist":${JSON.stringify(input.checklist.contentHash)},"context":${JSON.stringify(input.context)}` +
    `,"instruction":${JSON.stringify(input.instruction)},"kind":"grading","model":${JSON.stringify(input.model)}` +
    `,"params":${canonicalJson(input.params)},"prompt_version":${JSON.stringify(GRADING_PROMPT_VERSION)},"response":${JSON.stringify(input.response)}}`;
  return sha256Hex(text);
}

/**
 * Grades a response on every checklist item in one upstream call whose schema is specialised to
 * the checklist. p(YES) per item is read from the verdict token's logprobs when the server sends
 * them; the signal is "logprobs" only when every item has one.
 */
export async function gradeResponse(llm: LlmClient, input: GradingInput, fp: string, ctx: RequestContext): Promise<GradingContent> {
  const items = input.checklist.items;
  const ids = items.map((item) => item.id);
  const answer = await askStructured(
    llm,
    {
      model: input.model,
      messages: gradingMessages({ ...input, items }),
      schema: { name: GRADING_SCHEMA_NAME, schema: gradingSchema(ids) },
      validator: gradingAnswerValidator(ids),
      logprobs: true,
    },
    ctx,
  );
  const probabilities = answer.tokens ? verdictProbabilities(answer.content, answer.tokens, answer.start) : new Map<string, number>();
  const results: ItemVerdict[] = ids.map((id) => {
    const verdict = answer.value[id]!;
    return {
      item_id: id,
      verdict: verdict.verdict,
      rationale: verdict.rationale,
      p_yes: probabilities.get(id) ?? null,
    };
  });
  return {
    fingerprint: fp,
    checklistId: input.checklist.id,
    instruction: input.instruction,
    context: input.context,
    response: input.response,
    results,
    signal: results.every((r) => r.p_yes !== null) ? "logprobs" : "none",
    model: input.model,
    promptVersion: GRADING_PROMPT_VERSION,
    usage: answer.usage,
  };
}
