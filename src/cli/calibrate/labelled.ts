import { z } from "zod";
import { CliError, EXIT } from "../exit";

// Only what this command reads is checked here; the evaluation fields are checked by the server
// as for any request, so the two cannot disagree about what a valid instruction or checklist is.
const Text = z.string().refine((s) => s.trim() !== "", "must not be empty");
const Checklist = z.strictObject({ items: z.array(z.unknown()) });

const Pointwise = z.strictObject({
  instruction: Text,
  context: z.string().nullable().optional(),
  response: Text,
  checklist: Checklist.optional(),
  label: z.union([z.literal(0), z.literal(1)], { error: "must be 0 or 1" }),
  item_labels: z.record(z.string(), z.enum(["YES", "NO"], { error: 'must be "YES" or "NO"' })).optional(),
});

const Pairwise = z.strictObject({
  instruction: Text,
  context: z.string().nullable().optional(),
  a: Text,
  b: Text,
  label: z.enum(["a", "b"], { error: 'must be "a" or "b"' }),
});

export type PointwiseLine = z.infer<typeof Pointwise> & { line: number };
export type PairwiseLine = z.infer<typeof Pairwise> & { line: number };
export type Labelled = { kind: "pointwise"; lines: PointwiseLine[] } | { kind: "pairwise"; lines: PairwiseLine[] };

const MAX_REPORTED = 20;

/** The question an inline item asks, when it is an item at all (the server checks the rest). */
const questionOf = (item: unknown): string =>
  typeof item === "object" && item !== null && typeof (item as { question?: unknown }).question === "string" ? (item as { question: string }).question : "";

/**
 * The checklist item an `item_labels` key names: by id ("q2", the item's position, as the server
 * numbers them) or by its question's text.
 */
export function labelledItem<T extends { id: string; question: string }>(items: ReadonlyArray<T>, key: string): T | undefined {
  return items.find((i) => i.id === key) ?? items.find((i) => i.question.trim() === key.trim());
}

export function unknownItem(key: string, items: ReadonlyArray<{ id: string; question: string }>): string {
  return `item_labels names "${key}", which is neither an item id nor a question of its checklist (${items.map((i) => `${i.id}: ${i.question}`).join("; ")})`;
}

/**
 * A file of labelled examples: pointwise lines (a response, label 0|1, optional item_labels) or
 * pairwise lines (responses a and b, label "a"|"b"), not both. Blank lines are skipped; errors
 * name the line (counted from 1) and the field.
 */
export function parseLabelled(text: string, file: string): Labelled {
  const errors: string[] = [];
  const pointwise: PointwiseLine[] = [];
  const pairwise: PairwiseLine[] = [];
  let kind: Labelled["kind"] | null = null;
  text.split("\n").forEach((source, i) => {
    const line = i + 1;
    if (source.trim() === "" || errors.length >= MAX_REPORTED) return;
    let value: unknown;
    try {
      value = JSON.parse(source);
    } catch {
      errors.push(`line ${line}: not valid JSON`);
      return;
    }
    const fields = typeof value === "object" && value !== null && !Array.isArray(value) ? Object.keys(value) : [];
    const lineKind = fields.includes("response") ? "pointwise" : fields.includes("a") || fields.includes("b") ? "pairwise" : null;
    if (!lineKind) {
      errors.push(`line ${line}: neither pointwise (response, label 0|1) nor pairwise (a, b, label "a"|"b")`);
      return;
    }
    kind ??= lineKind;
    if (lineKind !== kind) {
      errors.push(`line ${line}: a ${lineKind} example in a file of ${kind} ones (a profile is one or the other)`);
      return;
    }
    const parsed = (kind === "pointwise" ? Pointwise : Pairwise).safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const keys = issue.code === "unrecognized_keys" ? issue.keys : [undefined];
        for (const key of keys) {
          const path = [...issue.path, ...(key === undefined ? [] : [key])].map(String).join("/");
          errors.push(`line ${line}: /${path}: ${key === undefined ? issue.message : "unknown field"}`);
        }
      }
      return;
    }
    if (kind === "pointwise") {
      const data = parsed.data as z.infer<typeof Pointwise>;
      // Against an inline checklist the item labels are checked now, not after every line is graded.
      const items = data.checklist?.items.map((item, k) => ({ id: `q${k + 1}`, question: questionOf(item) }));
      const unknown = items ? Object.keys(data.item_labels ?? {}).filter((key) => !labelledItem(items, key)) : [];
      for (const key of unknown) errors.push(`line ${line}: /item_labels/${key}: ${unknownItem(key, items!)}`);
      if (unknown.length === 0) pointwise.push({ ...data, line });
    } else pairwise.push({ ...(parsed.data as z.infer<typeof Pairwise>), line });
  });
  if (errors.length > 0)
    throw new CliError(
      EXIT.input,
      `${file} has invalid lines:\n${errors
        .slice(0, MAX_REPORTED)
        .map((e) => `  ${e}`)
        .join("\n")}`,
    );
  if (kind === null) throw new CliError(EXIT.input, `${file} has no labelled examples`);
  return kind === "pointwise" ? { kind, lines: pointwise } : { kind, lines: pairwise };
}
