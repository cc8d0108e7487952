import type { BatchItemRow } from "../store/batch-records";
import type { ChecklistItem, ItemVerdict } from "../store/records";

// A spreadsheet runs a cell that starts like a formula; a text cell that does is prefixed with
// an apostrophe, which spreadsheets show as text and drop from the value.
const FORMULA_START = /^[=+\-@\t\r]/;

/** One CSV field (RFC 4180): quoted when it holds a comma, quote or line break, quotes doubled. */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return "";
  if (typeof value !== "string") return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const csvLine = (fields: (string | number | boolean | null | undefined)[]) => `${fields.map(csvField).join(",")}\r\n`;

const FIXED_COLUMNS = ["index", "custom_id", "passed", "pass_rate", "weighted", "soft", "evaluation_id", "error"];

/** The header: fixed columns, then one per checklist question when the batch shares one checklist. */
export function csvHeader(checklist: ChecklistItem[] | null): string {
  return csvLine([...FIXED_COLUMNS, ...(checklist ?? []).map((item) => `${item.id}: ${item.question}`)]);
}

interface StoredEvaluation {
  id: string;
  passed: boolean;
  scores: { pass_rate: number; weighted: number; soft: number | null };
  results: ItemVerdict[];
}

/** One item as a CSV row; an item that failed has its problem's code under `error` and no scores. */
export function csvRow(row: BatchItemRow, checklist: ChecklistItem[] | null): string {
  const evaluation = row.result as StoredEvaluation | null;
  const verdicts = (checklist ?? []).map((_, k) => evaluation?.results[k]?.verdict ?? null);
  if (!evaluation) {
    return csvLine([row.idx, row.customId, null, null, null, null, null, String(row.problem?.code ?? "internal"), ...verdicts]);
  }
  const { scores } = evaluation;
  return csvLine([row.idx, row.customId, evaluation.passed, scores.pass_rate, scores.weighted, scores.soft, evaluation.id, null, ...verdicts]);
}
