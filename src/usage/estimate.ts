import type { ChatRequest } from "../llm/types";

/**
 * Tokens a free-text field of an answer may take: a rationale is "one or two sentences", which
 * judges write in 20 to 40 tokens. Answers longer than their allowance are what a budget can be
 * overrun by (see docs/budgets.md).
 */
const TEXT_FIELD_TOKENS = 64;
/** Tokens for a number, a boolean or an enum value, and for each member name and its punctuation. */
const SMALL_TOKENS = 3;
/** Arrays without a maxItems are taken to hold this many. */
const DEFAULT_ARRAY_ITEMS = 16;
/** Added to a free-text answer's allowance over the size of the text it works on (a revision). */
const TEXT_ANSWER_TOKENS = 256;
/**
 * Chat framing a server adds around each message and to prime the answer: OpenAI's is 3 and 3,
 * ChatML's 5 and 3, Llama 3's 5 and 5 (its begin-of-text included); these cover them with room.
 */
const PER_MESSAGE_TOKENS = 8;
const PRIMING_TOKENS = 8;
/**
 * The framing of an answer's schema: the note that carries it in the prompt when the server takes
 * no json_schema (schemaInPrompt adds under 100 bytes), or a server's own heading around it.
 */
const SCHEMA_FRAMING_TOKENS = 128;

/** UTF-8 length of a string, without encoding it (a lone surrogate is sent as U+FFFD, 3 bytes). */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * The most tokens a text can be: one per byte of UTF-8. Byte-level BPE tokenizers (GPT's, Llama 3's,
 * Qwen's) never make a token shorter than a byte, so no text, however it was chosen
 * to tokenize badly (random base64 counts 2.75 times the common four-bytes-a-token rule with o200k),
 * can be more. Text counted this way cannot overrun a budget; the price is reserving about four
 * times what English costs.
 */
const tokensAtMost = (text: string) => utf8Length(text);

type Schema = { type?: string; enum?: unknown[]; properties?: Record<string, Schema>; items?: Schema; maxItems?: number };

/** The most tokens an answer of this JSON Schema is expected to take: the completion allowance. */
function schemaAllowance(schema: Schema): number {
  if (schema.enum) return SMALL_TOKENS;
  switch (schema.type) {
    case "object": {
      let total = 2;
      for (const member of Object.values(schema.properties ?? {})) total += SMALL_TOKENS + schemaAllowance(member);
      return total;
    }
    case "array":
      return 2 + (schema.maxItems ?? DEFAULT_ARRAY_ITEMS) * (1 + schemaAllowance(schema.items ?? {}));
    case "number":
    case "integer":
    case "boolean":
      return SMALL_TOKENS;
    default:
      return TEXT_FIELD_TOKENS;
  }
}

/**
 * The most prompt tokens an upstream call can be billed: every byte of its messages and of its
 * answer's schema (which servers count as input) a token (see tokensAtMost), and their framing.
 */
export function promptTokensAtMost(request: Pick<ChatRequest, "messages" | "schema">): number {
  let prompt = PRIMING_TOKENS;
  for (const message of request.messages) prompt += PER_MESSAGE_TOKENS + tokensAtMost(message.content);
  if (request.schema) prompt += SCHEMA_FRAMING_TOKENS + tokensAtMost(JSON.stringify(request.schema.schema));
  return prompt;
}

/**
 * What an upstream call is reserved against the caller's budget before it is sent: the most its
 * prompt can count (promptTokensAtMost), plus the allowance for its answer, read from the answer's
 * schema, or for a free-text answer (a revision) the size of the text it revises. The prompt part
 * is a bound; the answer's is an estimate, and an answer longer than its allowance is what a
 * budget can be overrun by (see docs/budgets.md).
 */
export function estimateTokens(request: Pick<ChatRequest, "messages" | "schema">): number {
  const answer = request.schema ? schemaAllowance(request.schema.schema as Schema) : tokensAtMost(request.messages.at(-1)?.content ?? "") + TEXT_ANSWER_TOKENS;
  return promptTokensAtMost(request) + answer;
}
