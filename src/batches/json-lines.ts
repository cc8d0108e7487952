import type { z } from "zod";
import { type FieldError, ProblemError, pointer } from "../errors";

const MAX_REPORTED = 20;

/**
 * Parses and validates a JSON Lines body (blank lines skipped), reporting errors with the same
 * JSON Pointers a JSON array body would get (`/<index>/<field>`), the first few only.
 */
export function parseJsonLines<T extends z.ZodType>(text: string, schema: T, maxItems: number): z.infer<T>[] {
  const items: z.infer<T>[] = [];
  const errors: FieldError[] = [];
  const lines = text.split("\n");
  let index = -1;
  for (let line = 0; line < lines.length && errors.length < MAX_REPORTED; line++) {
    const source = lines[line]!.trim();
    if (source === "") continue;
    index++;
    if (index >= maxItems) throw new ProblemError("validation_failed", `a batch holds at most ${maxItems} items`, [{ path: "", message: `more than ${maxItems} items` }]);
    let value: unknown;
    try {
      value = JSON.parse(source);
    } catch {
      throw new ProblemError("invalid_json", `line ${line + 1} is not valid JSON`, [{ path: `/${index}`, message: "malformed JSON" }]);
    }
    const result = schema.safeParse(value);
    if (result.success) {
      items.push(result.data);
      continue;
    }
    for (const issue of result.error.issues) {
      const keys = issue.code === "unrecognized_keys" ? issue.keys : [undefined];
      for (const key of keys) {
        const path = key === undefined ? [index, ...issue.path] : [index, ...issue.path, key];
        errors.push({ path: pointer(path), message: key === undefined ? `line ${line + 1}: ${issue.message}` : `line ${line + 1}: unknown field` });
      }
    }
  }
  if (errors.length > 0) throw new ProblemError("validation_failed", errors.map((e) => `${e.path}: ${e.message}`).join("; "), errors.slice(0, MAX_REPORTED));
  if (items.length === 0) throw new ProblemError("validation_failed", "a batch needs at least one item", [{ path: "", message: "no items" }]);
  return items;
}
