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
 * summing case, quote and space variants and word pieces. A side missing from the listed
 * alternatives is bounded by the smallest listed probability, the most it could have had
 * (RocketEval reads confidence the same way; Joinn99/RocketEval-ICLR). Neither side → null.
 */
export function pChoiceAt<C extends string>(token: TokenLogprob, choices: readonly [C, C]): number | null {
  const alternatives = token.top_logprobs.length > 0 ? token.top_logprobs : [token];
  let first = 0;
  let second = 0;
  let smallest = Number.POSITIVE_INFINITY;
  for (const alt of alternatives) {
    if (!Number.isFinite(alt.logprob)) continue;
    smallest = Math.min(smallest, alt.logprob);
    const word = choiceWord(alt.token, choices);
    if (word === choices[0]) first += Math.exp(alt.logprob);
    else if (word === choices[1]) second += Math.exp(alt.logprob);
  }
  if (first === 0 && second === 0) return null;
  const bound = Number.isFinite(smallest) ? Math.exp(smallest) : 0;
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
export function verdictProbabilities(
  content: string,
  tokens: TokenLogprob[],
  jsonStart = 0,
): Map<string, number> {
  return choiceProbabilities(content, tokens, verdictOffsets(content, jsonStart), YES_NO);
}
