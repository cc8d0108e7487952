import type { TokenLogprob } from "./types";

/**
 * Finds, in a JSON text, the offset of the first character of each string value of `field`, at
 * depth two (`{"<key>": {"<field>": "…"}}`, keyed by the outer key) or at depth one (`{"<field>":
 * "…"}`, keyed by the field itself). A scanner rather than a search, so that a rationale quoting
 * `"verdict":` cannot be mistaken for the real field.
 */
export function fieldOffsets(text: string, field: string, depth: 1 | 2, start = 0): Map<string, number> {
  const found = new Map<string, number>();
  const stack: { object: boolean; key: string | null; expectKey: boolean }[] = [];
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (ch === "{" || ch === "[") {
      stack.push({ object: ch === "{", key: null, expectKey: ch === "{" });
      continue;
    }
    if (ch === "}" || ch === "]") {
      stack.pop();
      if (stack.length === 0) break;
      continue;
    }
    const top = stack[stack.length - 1];
    if (!top) continue;
    if (ch === ",") {
      if (top.object) top.expectKey = true;
      continue;
    }
    if (ch !== '"') continue;
    const open = i;
    let value = "";
    for (i = open + 1; i < text.length && text[i] !== '"'; i++) {
      if (text[i] === "\\") i++;
      else value += text[i];
    }
    if (top.object && top.expectKey) {
      top.key = value;
      top.expectKey = false;
    } else if (stack.length === depth && top.key === field) {
      const key = depth === 1 ? field : stack[0]?.key;
      if (key != null) found.set(key, open + 1);
    }
  }
  return found;
}

/** Each item's `verdict` value in a grading answer (`{"<item id>": {"verdict": "YES"}}`). */
export function verdictOffsets(text: string, start = 0): Map<string, number> {
  return fieldOffsets(text, "verdict", 2, start);
}

const encoder = new TextEncoder();

/** A token the reader can place: a string with a finite, non-positive logprob. */
function readable(t: unknown): t is { token: string; logprob: number } {
  const x = t as { token?: unknown; logprob?: unknown } | null;
  return typeof x?.token === "string" && typeof x.logprob === "number" && Number.isFinite(x.logprob) && x.logprob <= 0;
}

/** Maps a character offset in the content to the index of the token that covers it. */
function tokenAt(tokens: TokenLogprob[], content: string, charOffset: number): number {
  const haveBytes = tokens.every((t) => Array.isArray(t.bytes));
  const target = haveBytes ? encoder.encode(content.slice(0, charOffset)).length : charOffset;
  let position = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const length = haveBytes ? t.bytes!.length : t.token.length;
    if (target >= position && target < position + length) return i;
    position += length;
  }
  return -1;
}

/** The choice a token spells, or begins to spell (`Y`, `"Yes`, ` sec`), ignoring case, quotes and spaces. */
function choiceWord<C extends string>(token: string, choices: readonly [C, C]): C | null {
  const word = token.replace(/^[^A-Za-z]+|[^A-Za-z]+$/g, "").toUpperCase();
  if (word === "") return null;
  return choices.find((choice) => choice.startsWith(word)) ?? null;
}

/**
 * p(first choice) at the token of a two-way answer: e^l(first) / (e^l(first) + e^l(second)),
 * summing case, quote and space variants and word pieces over the alternatives the server listed
 * and the token it chose. A side missing from them is given the most it could have had: the mass
 * they leave unlisted (1 − Σ e^l), and no more than the least listed alternative, since the server
 * lists its most likely tokens. With no alternatives that is 1 − p(chosen), so a YES at 0.999 reads
 * 0.999, not a coin flip (RocketEval reads confidence from the alternatives the same way;
 * Joinn99/RocketEval-ICLR). Neither side found, or nothing readable: null, never a made-up value.
 */
export function pChoiceAt<C extends string>(token: TokenLogprob, choices: readonly [C, C]): number | null {
  const listed = (Array.isArray(token.top_logprobs) ? token.top_logprobs : []).filter(readable);
  const alternatives = readable(token) && !listed.some((a) => a.token === token.token) ? [...listed, token] : listed;
  let first = 0;
  let second = 0;
  let mass = 0;
  for (const alt of alternatives) {
    const p = Math.exp(alt.logprob);
    mass += p;
    const word = choiceWord(alt.token, choices);
    if (word === choices[0]) first += p;
    else if (word === choices[1]) second += p;
  }
  if (first === 0 && second === 0) return null;
  const leastListed = listed.length > 0 ? Math.min(...listed.map((a) => Math.exp(a.logprob))) : 1;
  const bound = Math.min(leastListed, Math.max(0, 1 - mass));
  if (first === 0) first = bound;
  if (second === 0) second = bound;
  return first / (first + second);
}

const YES_NO = ["YES", "NO"] as const;

/** p(YES) at a verdict token (see `pChoiceAt`). */
export function pYesAt(token: TokenLogprob): number | null {
  return pChoiceAt(token, YES_NO);
}

/**
 * p(first choice) at each located value, whichever way the tokeniser split the quote from the
 * word. `offsets` come from `fieldOffsets` over the same content.
 */
export function choiceProbabilities<C extends string>(
  content: string,
  tokens: TokenLogprob[],
  offsets: Map<string, number>,
  choices: readonly [C, C],
): Map<string, number> {
  const probabilities = new Map<string, number>();
  // A token without its text cannot be placed, and would shift every token after it.
  if (!Array.isArray(tokens) || !tokens.every((t) => typeof t?.token === "string")) return probabilities;
  for (const [key, offset] of offsets) {
    const index = tokenAt(tokens, content, offset);
    if (index < 0) continue;
    const p = pChoiceAt(tokens[index]!, choices);
    if (p !== null) probabilities.set(key, p);
  }
  return probabilities;
}

/**
 * p(YES) for every item whose verdict token can be located. `jsonStart` is where the JSON answer
 * begins inside the content.
 */
export function verdictProbabilities(content: string, tokens: TokenLogprob[], jsonStart = 0): Map<string, number> {
  return choiceProbabilities(content, tokens, verdictOffsets(content, jsonStart), YES_NO);
}
