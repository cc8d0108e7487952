import type { z } from "zod";
import { ProblemError } from "../errors";
import type { Finding, RequestLimits } from "../middleware/limits";
import { checkedUtf8, decodeUtf8 } from "../middleware/utf8";
import { checkInput, problemOf } from "../middleware/validate";
import { type ItemBytes, splitArray, splitLines } from "./split";

/** Findings reported at most; the rest of the body is then only read for its UTF-8. */
const MAX_REPORTED = 20;

type BatchFormat = "json" | "jsonl";

export interface BatchBodyRules<T extends z.ZodType> {
  schema: T;
  limits: RequestLimits;
  maxItems: number;
  /** The most bytes one item may take: as much as a request of its own (TICKBOX_MAX_BODY_BYTES). */
  maxItemBytes: number;
}

const where = (item: ItemBytes) => (item.line === undefined ? `item ${item.index}` : `line ${item.line}`);

/** One item's JSON value, from its bytes: strict UTF-8 and JSON, or a 400 naming where it is. */
function parseItem(item: ItemBytes): unknown {
  const text = decodeUtf8(item.bytes, item.offset);
  try {
    return JSON.parse(text);
  } catch {
    throw new ProblemError("invalid_json", `${where(item)} (at byte ${item.offset}) is not valid JSON`, [
      { path: `/${item.index}`, message: "malformed JSON" },
    ]);
  }
}

/**
 * Checks one item into `findings`; returns its value when valid. Each item is checked exactly as a
 * request of its own would be (`checkInput`: the schema, the configured limits, depth and
 * Unicode), with the JSON Pointers a JSON array gets (`/<index>/<field>`).
 */
function checkItem<T extends z.ZodType>(item: ItemBytes, rules: BatchBodyRules<T>, findings: Finding[]): { value: z.infer<T> } | null {
  if (item.index >= rules.maxItems) {
    throw new ProblemError("validation_failed", `a batch holds at most ${rules.maxItems} items`, [{ path: "", message: `more than ${rules.maxItems} items` }]);
  }
  if (item.tooLarge) {
    findings.push({
      kind: "limit",
      path: `/${item.index}`,
      message: `${item.line === undefined ? "" : `line ${item.line}: `}larger than the limit of ${rules.maxItemBytes} bytes for one item (TICKBOX_MAX_BODY_BYTES)`,
    });
    return null;
  }
  const checked = checkInput(rules.schema, parseItem(item), rules.limits, (path) => [item.index, ...path]);
  if (checked.ok) return { value: checked.value };
  // A line number helps to find a JSON Lines item in its file.
  const prefix = item.line === undefined ? "" : `line ${item.line}: `;
  findings.push(...checked.findings.map((f) => ({ ...f, message: prefix + f.message })));
  return null;
}

/**
 * The items of a batch body (a JSON array, or JSON Lines with blank lines skipped), checked one by
 * one as the bytes arrive (see `checkItem`). Valid items are yielded until the first invalid one;
 * from then on the rest are only checked, up to MAX_REPORTED findings, and the iteration ends with
 * their 422. Bytes that are not UTF-8 anywhere in the body, or not JSON in an item checked, end it
 * at once with a 400 naming their offset.
 */
export async function* batchItems<T extends z.ZodType>(
  chunks: AsyncIterable<Uint8Array>,
  format: BatchFormat,
  rules: BatchBodyRules<T>,
): AsyncGenerator<z.infer<T>> {
  const findings: Finding[] = [];
  const bytes = checkedUtf8(chunks);
  const split = format === "jsonl" ? splitLines(bytes, rules.maxItemBytes) : splitArray(bytes, rules.maxItemBytes);
  for await (const item of split) {
    if (findings.length >= MAX_REPORTED) continue;
    const valid = checkItem(item, rules, findings);
    if (valid && findings.length === 0) yield valid.value;
  }
  if (findings.length > 0) throw problemOf(findings);
}

/** No limit beyond the schema's own (for a caller with no configured limits). */
const SCHEMA_LIMITS_ONLY: RequestLimits = {
  requestDeadlineMs: Number.POSITIVE_INFINITY,
  maxTextChars: Number.POSITIVE_INFINITY,
  maxCandidates: Number.POSITIVE_INFINITY,
  maxChecklistItems: Number.POSITIVE_INFINITY,
};

/**
 * A JSON Lines text held in memory (the CLI's input file), checked item by item as a request body
 * is (see `checkItem`); blank lines are skipped.
 */
export function parseJsonLines<T extends z.ZodType>(text: string, schema: T, maxItems: number, limits: RequestLimits = SCHEMA_LIMITS_ONLY): z.infer<T>[] {
  const rules = { schema, limits, maxItems, maxItemBytes: Number.POSITIVE_INFINITY };
  const encoder = new TextEncoder();
  const items: z.infer<T>[] = [];
  const findings: Finding[] = [];
  let offset = 0;
  let index = 0;
  for (const [n, line] of text.split("\n").entries()) {
    const bytes = encoder.encode(line);
    if (line.trim() !== "") {
      const valid = checkItem({ index: index++, line: n + 1, offset, bytes, tooLarge: false }, rules, findings);
      if (valid) items.push(valid.value);
      if (findings.length >= MAX_REPORTED) break;
    }
    offset += bytes.length + 1;
  }
  if (findings.length > 0) throw problemOf(findings);
  if (items.length === 0) throw new ProblemError("validation_failed", "a batch needs at least one item", [{ path: "", message: "no items" }]);
  return items;
}
