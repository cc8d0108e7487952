import { z } from "@hono/zod-openapi";
import { LIMIT_CEILINGS } from "../config";
import { problemCatalog } from "../errors";
import { fitsChars } from "../text";

/**
 * A string of at most `max` characters, counted as code points (src/text.ts), as the contract's
 * `maxLength` counts them: an emoji is one character, not two.
 */
export const maxChars = <T extends z.ZodString>(schema: T, max: number): T =>
  schema.refine((text) => fitsChars(text, max), `must be at most ${max} characters`).openapi({ maxLength: max });

/**
 * Text whose length TICKBOX_MAX_TEXT_CHARS bounds. The limit is checked with the other configured
 * limits (src/middleware/limits.ts), so that any text past it, however long, is a `limit_exceeded`
 * naming the variable; the contract states the ceiling the variable can be set to.
 */
const limitedText = <T extends z.ZodString>(schema: T): T => schema.openapi({ maxLength: LIMIT_CEILINGS.textChars });

export const Instruction = limitedText(z.string().trim().min(1, "must not be empty")).openapi({
  description: "The instruction the response was written for.",
  example: "Write a haiku about autumn rain. Do not use the word 'leaves'.",
});
export const Context = limitedText(z.string()).nullable().optional().openapi({
  description: "Input the instruction refers to (a document, an email, code), if any.",
});
export const MaxItems = z.number().int().min(2).max(12).optional().openapi({
  description: "Upper bound on generated questions (2-12, default 8).",
});

const ItemInput = z
  .strictObject({
    question: maxChars(z.string().trim().min(1, "must not be empty"), 2_000),
    weight: z.number().int().min(1).max(100).optional().openapi({ description: "Importance 1-100 (default 50)." }),
    must_pass: z.boolean().optional().openapi({ description: "Failing it fails the response (default false)." }),
  })
  .openapi("ChecklistItemInput");

/** Caller's checklist items: how many, TICKBOX_MAX_CHECKLIST_ITEMS bounds (see `limitedText`). */
export const ItemsInput = z.array(ItemInput).min(1).openapi({ maxItems: LIMIT_CEILINGS.checklistItems });

export const Item = z
  .object({
    id: z.string().openapi({ example: "q1" }),
    question: z.string(),
    weight: z.number().int(),
    must_pass: z.boolean(),
  })
  .openapi("ChecklistItem");

export const Usage = z
  .object({
    upstream_calls: z.number().int(),
    prompt_tokens: z.number().int(),
    completion_tokens: z.number().int(),
  })
  .openapi("Usage", { description: "What this request cost upstream; zero when served from the cache." });

export const Checklist = z
  .object({
    id: z.string().openapi({ example: "cl_3f2a9c0d1e7b4a6f8c5d2e1f0a9b8c7d" }),
    instruction: z.string(),
    context: z.string().nullable(),
    items: z.array(Item),
    source: z.enum(["generated", "provided"]),
    model: z.string().nullable(),
    prompt_version: z.string().nullable(),
    cached: z.boolean(),
    usage: Usage,
  })
  .openapi("Checklist");

const Result = z
  .object({
    item_id: z.string(),
    verdict: z.enum(["YES", "NO"]),
    rationale: z.string(),
    p_yes: z.number().min(0).max(1).nullable().openapi({
      description: "p(YES) read from the verdict token's logprobs; null without logprobs.",
    }),
  })
  .openapi("ItemResult");

export const Scores = z
  .object({
    pass_rate: z.number().openapi({ description: "YES / items." }),
    weighted: z.number().openapi({ description: "Σ weight·[YES] / Σ weight." }),
    soft: z.number().nullable().openapi({ description: "Σ weight·p(YES) / Σ weight; null unless every item has p(YES)." }),
  })
  .openapi("Scores");

export const Evaluation = z
  .object({
    id: z.string().openapi({ example: "ev_8b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e" }),
    checklist: z.object({ id: z.string(), items: z.array(Item) }),
    results: z.array(Result),
    signal: z.enum(["logprobs", "none"]),
    scores: Scores,
    passed: z.boolean().openapi({ description: "Every must-pass item YES and weighted ≥ pass_threshold." }),
    pass_threshold: z.number(),
    model: z.string(),
    prompt_version: z.string(),
    cached: z.boolean(),
    usage: Usage,
  })
  .openapi("Evaluation");

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string(),
    code: z.enum(Object.keys(problemCatalog) as [keyof typeof problemCatalog]),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi("Problem", { description: "RFC 9457 problem details." });

export const problemResponse = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: Problem } },
});

/** The error responses every /v1 route can give, spread into each route declaration. */
export const commonErrors = {
  400: problemResponse("The body is not valid JSON."),
  413: problemResponse("The body is larger than the configured limit."),
  415: problemResponse("The body is not application/json."),
  422: problemResponse("The body does not match the schema; `errors` lists each field."),
  500: problemResponse("Unexpected failure."),
} as const;

export const upstreamErrors = {
  502: problemResponse("The upstream model failed or answered invalidly after one re-ask."),
  503: problemResponse("No upstream model is configured; `detail` names the variables to set."),
  504: problemResponse("The upstream model timed out."),
} as const;

export const notImplemented = {
  501: problemResponse("This deployment has no long-running process or queue for background work; run the Node server, or bind BATCH_QUEUE on Workers."),
} as const;

export const notFound = { 404: problemResponse("No such resource.") } as const;

export const jsonBody = <T extends z.ZodType>(schema: T, description: string) => ({
  required: true,
  description,
  content: { "application/json": { schema } },
});

/**
 * An integer in a query string, written in decimal: "0x10", "1e3", " 8" or "" are refused rather
 * than read as numbers (z.coerce.number would take them all).
 */
export const QueryInt = (min: number, max: number) =>
  z
    .string()
    .regex(/^-?\d{1,16}$/, "must be a whole number in decimal")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .openapi({ type: "integer", minimum: min, maximum: max });

/** A number in a query string, written in decimal ("0.5", "1"), not hex, exponents or blanks. */
export const QueryNumber = (min: number, max: number) =>
  z
    .string()
    .regex(/^-?\d{1,16}(\.\d{1,16})?$/, "must be a number in decimal")
    .transform(Number)
    .pipe(z.number().min(min).max(max))
    .openapi({ type: "number", minimum: min, maximum: max });

/**
 * A calendar date in a query string, YYYY-MM-DD, that exists: `2026-02-30`, `2026-13-01` and
 * `0000-00-00` are refused, not rolled over into another day. The one date rule of every query
 * parameter (usage days, list ranges).
 */
export const QueryDate = z.iso.date({ error: "must be a date that exists, YYYY-MM-DD (e.g. 2026-05-01)" });

/** A time in a query string: a date (its 00:00 UTC) or an ISO 8601 date-time with its offset, as epoch ms. */
export const QueryInstant = z
  .union([z.iso.datetime({ offset: true }), QueryDate], {
    error: "must be a date that exists or a date-time, ISO 8601 (e.g. 2026-05-01 or 2026-05-01T12:00:00Z)",
  })
  .transform((text) => Date.parse(text));

/** The id of a stored object (a checklist, an evaluation, a profile, a batch), in a body, a query or a path. */
export const ObjectId = maxChars(z.string().min(1), 100);

export const IdParam = (prefix: string) => z.object({ id: ObjectId.openapi({ param: { name: "id", in: "path" }, example: `${prefix}_…` }) });

/** A response under judgement; kept byte for byte (no trimming), but blank is refused. */
export const ResponseText = limitedText(z.string()).refine((s) => s.trim().length > 0, "must not be empty");

/** `checklist_id` or inline `checklist.items` (or neither: one is generated). */
export const ChecklistChoice = {
  checklist_id: ObjectId.optional().openapi({ description: "A stored checklist to grade against." }),
  checklist: z.strictObject({ items: ItemsInput }).optional().openapi({ description: "Inline items to grade against." }),
  max_items: MaxItems,
};

/** The one rule of `ChecklistChoice`: a stored checklist or inline items, never both (neither: one is generated). */
export const notBothChecklists: [(b: { checklist_id?: string | undefined; checklist?: unknown }) => boolean, { message: string; path: string[] }] = [
  (b) => !(b.checklist_id && b.checklist),
  { message: "give checklist_id or checklist, not both", path: ["checklist"] },
];

export const SideScores = z
  .object({
    scores: Scores,
    must_pass_met: z.boolean().openapi({ description: "Every must-pass item is YES." }),
    passed: z.boolean().openapi({ description: "Every must-pass item YES and weighted ≥ the pass threshold." }),
    evaluation_id: z.string().openapi({ description: "The grading, also served by GET /v1/evaluations/{id}." }),
  })
  .openapi("GradedResponse");

/** The responses of a POST that judges with the upstream: its 200 and every error it can give. */
export const judgedResponses = <T extends z.ZodType>(schema: T, description: string) => ({
  200: { description, content: { "application/json": { schema } } },
  ...commonErrors,
  ...notFound,
  ...upstreamErrors,
});
