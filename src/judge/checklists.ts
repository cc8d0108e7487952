import { ProblemError } from "../errors";
import type { LlmClient } from "../llm/types";
import type { ChecklistRecord, NewChecklist } from "../store/records";
import { fingerprint } from "../store/fingerprint";
import type { RequestContext } from "../context";
import { askStructured } from "./ask";
import type { ChecklistItemInput } from "./inputs";
import { noUsage } from "../llm/usage";
import { CHECKLIST_SCHEMA_NAME, checklistAnswerValidator, checklistSchema } from "./output";
import { CHECKLIST_PROMPT_VERSION, checklistMessages } from "./prompts";

export const DEFAULT_MAX_ITEMS = 8;
const DEFAULT_ITEM_WEIGHT = 50;

/** Item ids are positions (`q1`, `q2`…), stable for a checklist's life since checklists never change. */
function numberItems(items: ChecklistItemInput[]) {
  return items.map((item, i) => ({
    id: `q${i + 1}`,
    question: item.question.trim(),
    weight: item.weight ?? DEFAULT_ITEM_WEIGHT,
    must_pass: item.must_pass ?? false,
  }));
}

/** Identifies what a checklist says: the same text and items hash alike however they arrived. */
function checklistContentHash(row: Pick<ChecklistRecord, "instruction" | "context" | "items">): Promise<string> {
  return fingerprint({ instruction: row.instruction, context: row.context, items: row.items });
}

/** A checklist as made, before it belongs to anyone: its id and tenant come with its owner (see Judge). */
export type ChecklistContent = Omit<NewChecklist, "id" | "tenant">;

/** A caller's own checklist: no model involved, keyed by its content. */
export async function providedChecklist(input: { instruction: string; context: string | null; items: ChecklistItemInput[] }): Promise<ChecklistContent> {
  const items = numberItems(input.items);
  const contentHash = await checklistContentHash({ instruction: input.instruction, context: input.context, items });
  const fp = await fingerprint({ kind: "provided-checklist", content: contentHash });
  return {
    fingerprint: fp,
    contentHash,
    instruction: input.instruction,
    context: input.context,
    items,
    source: "provided",
    model: null,
    promptVersion: null,
    usage: noUsage(),
  };
}

export interface GenerationInput {
  instruction: string;
  context: string | null;
  maxItems: number;
  model: string;
  params: Record<string, unknown>;
}

/** Everything that shapes a generated checklist; the cache key of the generation. */
export function generationFingerprint(input: GenerationInput): Promise<string> {
  return fingerprint({
    kind: "checklist",
    prompt_version: CHECKLIST_PROMPT_VERSION,
    model: input.model,
    params: input.params,
    instruction: input.instruction,
    context: input.context,
    max_items: input.maxItems,
  });
}

/** Generates a checklist with the model (TICK). */
export async function generateChecklist(llm: LlmClient, input: GenerationInput, fp: string, ctx: RequestContext): Promise<ChecklistContent> {
  const answer = await askStructured(
    llm,
    {
      model: input.model,
      messages: checklistMessages(input),
      schema: { name: CHECKLIST_SCHEMA_NAME, schema: checklistSchema(input.maxItems) },
      validator: checklistAnswerValidator(input.maxItems),
      logprobs: false,
    },
    ctx,
  );
  const items = numberItems(answer.value.items);
  if (new Set(items.map((i) => i.question.toLowerCase())).size !== items.length) {
    throw new ProblemError("upstream_invalid_output", "the generated checklist repeats a question");
  }
  return {
    fingerprint: fp,
    contentHash: await checklistContentHash({ instruction: input.instruction, context: input.context, items }),
    instruction: input.instruction,
    context: input.context,
    items,
    source: "generated",
    model: input.model,
    promptVersion: CHECKLIST_PROMPT_VERSION,
    usage: answer.usage,
  };
}
