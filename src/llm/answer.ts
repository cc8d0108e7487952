import { z } from "zod";
import { clipText, parseWellFormedJson } from "../text";
import { invalidAnswer } from "./failure";
import type { TokenLogprob } from "./types";

/**
 * The one place an upstream answer's fields are read: everything the service uses from a chat
 * completion is validated here, and nothing else of it is kept.
 *
 * - Token counts are integers from 0 to a billion; anything else (a string, a negative, a fraction)
 *   makes the call a 502: usage books cost and spends budgets, so a count that cannot be trusted is
 *   not turned into one that looks trusted. A missing `usage` (some local servers send none) is 0.
 * - Logprobs are finite and at most 0 (a rounding error up to LOGPROB_SLACK above 0 is read as 0);
 *   `top_logprobs` may be missing (read as no alternatives). Logprob data that fails these checks is
 *   dropped whole, as if the server had sent none: the answer itself is still used, with no p(YES).
 * - Text is well-formed Unicode: a lone surrogate the answer spells as a JSON escape (`"\ud800"`),
 *   in the content or anywhere else, is read as U+FFFD (see `parseAnswer`), so nothing the upstream
 *   writes is stored or served as text that the API itself would refuse as input.
 */

/** The most tokens one call can be said to have used: more than any model's context. */
const MAX_TOKENS = 1_000_000_000;
/** How far above 0 a logprob may be before it is wrong rather than rounded. */
const LOGPROB_SLACK = 1e-4;

const tokenCount = z.number().int().min(0).max(MAX_TOKENS);

/** A finite logprob at most LOGPROB_SLACK (JSON's 1e999 parses to Infinity, which is not one). */
const isLogprob = (l: unknown): l is number => typeof l === "number" && Number.isFinite(l) && l <= LOGPROB_SLACK;
const isByte = (b: unknown) => Number.isInteger(b) && (b as number) >= 0 && (b as number) <= 255;
/** `{token, logprob, bytes?}`: a token or one of the alternatives listed for it. */
const isAlternative = (a: unknown): a is { token: string; logprob: number; bytes?: unknown } =>
  a !== null &&
  typeof a === "object" &&
  typeof (a as { token?: unknown }).token === "string" &&
  isLogprob((a as { logprob?: unknown }).logprob) &&
  ((a as { bytes?: unknown }).bytes == null || (Array.isArray((a as { bytes: unknown }).bytes) && (a as { bytes: unknown[] }).bytes.every(isByte)));

/**
 * The token list by the rules above, normalised in place (it is this answer's own, freshly parsed):
 * logprobs just above 0 read as 0, a missing `top_logprobs` as none. A plain loop inside the zod
 * type rather than a zod object per token: a list is hundreds of small objects, and parsing each as
 * a zod object cost a grading call about 0.15 ms, a quarter of the server's CPU in a batch.
 */
function checkTokens(list: unknown[], ctx: z.RefinementCtx): TokenLogprob[] {
  for (const [i, token] of list.entries()) {
    const top = (token as { top_logprobs?: unknown } | null)?.top_logprobs;
    if (!isAlternative(token) || !(top == null || (Array.isArray(top) && top.every(isAlternative)))) {
      ctx.addIssue({ code: "custom", message: "not a token with a finite logprob at most 0 and alternatives like it", path: [i] });
      return z.NEVER;
    }
    const alternatives = (top ?? []) as { logprob: number }[];
    for (const alternative of alternatives) alternative.logprob = Math.min(0, alternative.logprob);
    Object.assign(token, { logprob: Math.min(0, token.logprob), top_logprobs: alternatives });
  }
  return list as TokenLogprob[];
}
const logprobsShape = z.object({ content: z.array(z.unknown()).transform(checkTokens).nullish() }).nullish();

const completionShape = z.object({
  choices: z
    .array(
      z.object({
        message: z.object({ content: z.string().nullish(), refusal: z.string().nullish() }),
        // Read apart (see above): invalid logprobs do not spoil a usable answer.
        logprobs: z.unknown().optional(),
      }),
    )
    .min(1),
  usage: z.object({ prompt_tokens: tokenCount.optional(), completion_tokens: tokenCount.optional() }).nullish(),
});

export interface Completion {
  content: string;
  /** The content's token logprobs; null when the server sent none, or none that were valid. */
  tokens: TokenLogprob[] | null;
  /** What the server said of logprobs: sent and valid, sent but invalid (dropped), or none. */
  logprobs: "valid" | "invalid" | "absent";
  usage: { prompt_tokens: number; completion_tokens: number };
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "(the answer)"}: ${issue.message}`)
    .join("; ");
}

/**
 * An answer's body as JSON, every string in it well-formed Unicode; a body that is not JSON (an
 * HTML error page, a cut-off answer) is a 502.
 */
export function parseAnswer(text: string): unknown {
  try {
    return parseWellFormedJson(text);
  } catch {
    throw invalidAnswer(`the upstream's answer is not JSON (${text.length === 0 ? "empty" : `${text.length} characters`})`);
  }
}

/** The usage an answer reports when it is valid, else none: what a failed attempt is booked with. */
export function usageOf(json: unknown): Completion["usage"] {
  const usage = completionShape.shape.usage.safeParse((json as { usage?: unknown } | null)?.usage);
  const valid = usage.success ? usage.data : undefined;
  return { prompt_tokens: valid?.prompt_tokens ?? 0, completion_tokens: valid?.completion_tokens ?? 0 };
}

/** Reads a chat completion; an answer that is not a valid one is a 502 (`upstream_invalid_output`). */
export function readCompletion(json: unknown): Completion {
  const parsed = completionShape.safeParse(json);
  if (!parsed.success) {
    throw invalidAnswer(`the upstream's answer is not a valid chat completion: ${describeIssues(parsed.error)}`);
  }
  const choice = parsed.data.choices[0]!;
  if (choice.message.refusal) {
    throw invalidAnswer(`the upstream model refused: ${clipText(choice.message.refusal, 300)}`);
  }
  if (typeof choice.message.content !== "string") throw invalidAnswer("the upstream answer has no message content");
  const logprobs = logprobsShape.safeParse(choice.logprobs);
  const tokens = logprobs.success && logprobs.data?.content && logprobs.data.content.length > 0 ? logprobs.data.content : null;
  return {
    content: choice.message.content,
    tokens,
    logprobs: tokens ? "valid" : logprobs.success ? "absent" : "invalid",
    usage: usageOf(json),
  };
}
