import type { TokenLogprob } from "./types";

/**
 * Finds, in a JSON text, the offset of the first character of each `verdict` string value at
 * depth two (`{"<item id>": {"verdict": "YES"}}`), keyed by the item id. A scanner rather than a
 * search, so that a rationale quoting `"verdict":` cannot be mistaken for the real field.
 */
export function verdictOffsets(text: string, start = 0): Map<string, number> {
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
    } else if (stack.length === 2 && top.key === "verdict" && stack[0]?.key != null) {
      found.set(stack[0].key, open + 1);
    }
  }
  return found;
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

function verdictWord(token: string): "YES" | "NO" | null {
  const word = token.replace(/^[^A-Za-z]+|[^A-Za-z]+$/g, "").toUpperCase();
  if (word === "") return null;
  if ("YES".startsWith(word)) return "YES";
  if ("NO".startsWith(word)) return "NO";
  return null;
}

/**
 * p(YES) at a verdict token: e^l(YES) / (e^l(YES) + e^l(NO)), summing case, quote and space
 * variants (`YES`, `"YES`, ` Yes`, a first piece `Y`…). A side missing from the listed
 * alternatives is bounded by the smallest listed probability, the most it could have had
 * (RocketEval reads confidence the same way; Joinn99/RocketEval-ICLR). Neither side → null.
 */
export function pYesAt(token: TokenLogprob): number | null {
  const alternatives = token.top_logprobs.length > 0 ? token.top_logprobs : [token];
  let yes = 0;
  let no = 0;
  let smallest = Number.POSITIVE_INFINITY;
  for (const alt of alternatives) {
    if (!Number.isFinite(alt.logprob)) continue;
    smallest = Math.min(smallest, alt.logprob);
    const word = verdictWord(alt.token);
    if (word === "YES") yes += Math.exp(alt.logprob);
    else if (word === "NO") no += Math.exp(alt.logprob);
  }
  if (yes === 0 && no === 0) return null;
  const bound = Number.isFinite(smallest) ? Math.exp(smallest) : 0;
  if (yes === 0) yes = bound;
  if (no === 0) no = bound;
  return yes / (yes + no);
}

/**
 * p(YES) for every item whose verdict token can be located, whichever way the tokeniser split
 * the quote from the word. `jsonStart` is where the JSON answer begins inside the content.
 */
export function verdictProbabilities(
  content: string,
  tokens: TokenLogprob[],
  jsonStart = 0,
): Map<string, number> {
  const probabilities = new Map<string, number>();
  for (const [itemId, offset] of verdictOffsets(content, jsonStart)) {
    const index = tokenAt(tokens, content, offset);
    if (index < 0) continue;
    const p = pYesAt(tokens[index]!);
    if (p !== null) probabilities.set(itemId, p);
  }
  return probabilities;
}
