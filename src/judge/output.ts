import { z } from "zod";
import checklistOutputSchema from "../../schemas/checklist.output.schema.json" with { type: "json" };
import gradingItemSchema from "../../schemas/grading.item.schema.json" with { type: "json" };
import { parseWellFormedJson } from "../text";

export const GRADING_SCHEMA_NAME = "tickbox_grading";
export const CHECKLIST_SCHEMA_NAME = "tickbox_checklist";

/** The checklist answer schema with its item bound set to the request's `max_items`. */
export function checklistSchema(maxItems: number): Record<string, unknown> {
  const schema = structuredClone(checklistOutputSchema) as { properties: { items: { maxItems: number } } };
  schema.properties.items.maxItems = maxItems;
  return schema;
}

/**
 * The grading answer schema specialised to one checklist: one required property per item id and
 * nothing else, so the shape itself forbids skipping, inventing or repeating an item.
 */
export function gradingSchema(itemIds: string[]): Record<string, unknown> {
  return {
    title: GRADING_SCHEMA_NAME,
    type: "object",
    properties: Object.fromEntries(itemIds.map((id) => [id, gradingItemSchema])),
    required: itemIds,
    additionalProperties: false,
  };
}

export function checklistAnswerValidator(maxItems: number) {
  return z.object({
    analysis: z.string(),
    items: z
      .array(
        z.object({
          question: z.string().trim().min(1),
          weight: z.number().int().min(1).max(100),
          must_pass: z.boolean(),
        }),
      )
      .min(2)
      .max(maxItems),
  });
}

/**
 * One of `choices` in any letter case ("Yes", "no"), read as the choice. In json_object and text
 * modes no schema binds the model's spelling, and its case is no reason to re-ask; anything else
 * (" YES", "Maybe", "Y") still fails and gets the re-ask.
 */
export function caseInsensitiveChoice<const C extends readonly [string, ...string[]]>(choices: C) {
  return z.preprocess((v) => (typeof v === "string" ? (choices.find((c) => c.toLowerCase() === v.toLowerCase()) ?? v) : v), z.enum(choices));
}

const verdictShape = z.object({ rationale: z.string(), verdict: caseInsensitiveChoice(["YES", "NO"]) });

// Item ids are positions (q1…qN), so a few dozen validators serve every checklist; building a zod
// schema (and its compiled fast path) per grading cost more than running it.
const gradingValidators = new Map<string, z.ZodType<Record<string, z.infer<typeof verdictShape>>>>();

export function gradingAnswerValidator(itemIds: string[]): z.ZodType<Record<string, z.infer<typeof verdictShape>>> {
  const key = itemIds.join(",");
  let validator = gradingValidators.get(key);
  if (!validator) {
    validator = z.strictObject(Object.fromEntries(itemIds.map((id) => [id, verdictShape])));
    if (gradingValidators.size < 256) gradingValidators.set(key, validator);
  }
  return validator;
}

/**
 * Finds the JSON object in a model's text: the whole text, or a fenced block, or the span from
 * the first `{` to the last `}` (servers without structured outputs wrap answers in prose). Its
 * strings and keys are well-formed Unicode: a lone surrogate the model escaped (`"\ud800"`) reads
 * as U+FFFD, so no rationale or question with one is stored or served.
 */
export function extractJson(text: string): { value: unknown; start: number } | null {
  const candidates: number[] = [];
  const trimmedStart = text.search(/\S/);
  if (trimmedStart >= 0) candidates.push(trimmedStart);
  const fence = /```(?:json)?\s*\n/.exec(text);
  if (fence) candidates.push(fence.index + fence[0].length);
  const brace = text.indexOf("{");
  if (brace >= 0) candidates.push(brace);
  for (const start of candidates) {
    const end = text.lastIndexOf("}");
    if (end < start) continue;
    try {
      return { value: parseWellFormedJson(text.slice(start, end + 1)), start };
    } catch {
      // try the next candidate
    }
  }
  return null;
}

/** Parses and validates an answer; on failure, says what is wrong in a form a model can act on. */
export function readAnswer<T>(text: string, validator: z.ZodType<T>): { ok: true; value: T; start: number } | { ok: false; problems: string[] } {
  const json = extractJson(text);
  if (!json) return { ok: false, problems: ["the answer is not a JSON object"] };
  const parsed = validator.safeParse(json.value);
  if (parsed.success) return { ok: true, value: parsed.data, start: json.start };
  return {
    ok: false,
    problems: parsed.error.issues.map((i) => `${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`),
  };
}
