/**
 * Text as the service measures, cuts and reads it. A character is a Unicode code point, as JSON
 * Schema's `maxLength` counts it: an emoji is one character, not the two UTF-16 units JavaScript's
 * `length` gives. Every length limit in the contract, every preview and every clipped message
 * counts this way, so a cut never splits a character into a lone surrogate.
 */

// String.prototype.isWellFormed / toWellFormed (ES2024) where the runtime has them; the same by regex
// elsewhere. `\p{Cs}` under the `u` flag matches only surrogates that are not half of a pair.
const native = String.prototype as { isWellFormed?: () => boolean; toWellFormed?: () => string };

/** Whether a text is Unicode: no lone surrogate (`"\ud800"`), which no encoding can carry. */
export const isWellFormed: (text: string) => boolean =
  typeof native.isWellFormed === "function" ? (text) => native.isWellFormed!.call(text) : (text) => !/\p{Cs}/u.test(text);

/** The text with each lone surrogate replaced by U+FFFD; every other unit, and the length, kept. */
export const toWellFormed: (text: string) => string =
  typeof native.toWellFormed === "function" ? (text) => native.toWellFormed!.call(text) : (text) => text.replace(/\p{Cs}/gu, "\uFFFD");

const isHigh = (unit: number) => unit >= 0xd800 && unit <= 0xdbff;
const isLow = (unit: number) => unit >= 0xdc00 && unit <= 0xdfff;

/** How many characters (code points) a text has; a lone surrogate counts as one. */
export function charCount(text: string): number {
  let pairs = 0;
  for (let i = 0; i < text.length - 1; i++) {
    if (isHigh(text.charCodeAt(i)) && isLow(text.charCodeAt(i + 1))) {
      pairs++;
      i++;
    }
  }
  return text.length - pairs;
}

/** Whether a text has at most `max` characters (no count needed when its UTF-16 length says so). */
export const fitsChars = (text: string, max: number) => text.length <= max || charCount(text) <= max;

/** The first `max` characters of a text, as well-formed Unicode (a cut never leaves half a pair). */
export function clipText(text: string, max: number): string {
  let end = 0;
  for (let n = 0; n < max && end < text.length; n++) {
    end += isHigh(text.charCodeAt(end)) && isLow(text.charCodeAt(end + 1)) ? 2 : 1;
  }
  return toWellFormed(end >= text.length ? text : text.slice(0, end));
}

/** A JSON escape that may decode to half a surrogate pair (`\ud800`…`\udfff`). */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/** JSON.parse's reviver that rebuilds objects whose keys, and replaces strings that, are not Unicode. */
function wellFormedValue(_key: string, value: unknown): unknown {
  if (typeof value === "string") return toWellFormed(value);
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  if (Object.keys(value).every(isWellFormed)) return value;
  // fromEntries defines own properties, so a "__proto__" key stays a key.
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [toWellFormed(k), v]));
}

/**
 * JSON.parse for text another program wrote (an upstream's answer): every string and key in the
 * result is well-formed Unicode, a lone surrogate escape (`"\ud800"`) read as U+FFFD. Decoded text
 * (UTF-8 read with replacement) is already well-formed, so only an escape can bring one in: text
 * without such an escape is parsed as it is, at no cost.
 */
export function parseWellFormedJson(text: string): unknown {
  if (!SURROGATE_ESCAPE.test(text) && isWellFormed(text)) return JSON.parse(text);
  return JSON.parse(toWellFormed(text), wellFormedValue);
}
