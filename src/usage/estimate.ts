import type { ChatRequest } from "../llm/types";

/**
 * Tokens a free-text field of an answer may take: a rationale is "one or two sentences", which
 * judges write in 20 to 40 tokens. Answers longer than their allowance are what a budget can be
 * overrun by (see README, Budgets).
 */
const TEXT_FIELD_TOKENS = 64;
/** Tokens for a number, a boolean or an enum value, and for each member name and its punctuation. */
const SMALL_TOKENS = 3;
/** Arrays without a maxItems are taken to hold this many. */
const DEFAULT_ARRAY_ITEMS = 16;
/** Added to a free-text answer's allowance over the size of the text it works on (a revision). */
const TEXT_ANSWER_TOKENS = 256;
/** Chat formatting per message (role markers and separators), and priming of the answer. */
const PER_MESSAGE_TOKENS = 4;
const PRIMING_TOKENS = 3;

/** UTF-8 length of a string, without encoding it. */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** Tokens of a text, by the common rule of four bytes of UTF-8 to a token. */
const tokensOf = (text: string) => Math.ceil(utf8Length(text) / 4);

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
 * What an upstream call is reserved against the caller's budget before it is sent: its prompt's
 * tokens estimated from the text (messages, and the answer's schema, which servers count as input),
 * plus the allowance for its answer, read from the answer's schema, or for a free-text answer (a
 * revision) the size of the text it revises.
 */
export function estimateTokens(request: Pick<ChatRequest, "messages" | "schema">): number {
  let prompt = PRIMING_TOKENS;
  for (const message of request.messages) prompt += PER_MESSAGE_TOKENS + tokensOf(message.content);
  if (request.schema) {
    prompt += tokensOf(JSON.stringify(request.schema.schema));
    return prompt + schemaAllowance(request.schema.schema as Schema);
  }
  return prompt + tokensOf(request.messages.at(-1)?.content ?? "") + TEXT_ANSWER_TOKENS;
}
