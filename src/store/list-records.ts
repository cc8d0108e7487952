// Lists and batch item views as the routes read them, whatever the engine (see records.ts).
import type { ChecklistItem, ItemVerdict } from "./records";

/** Where a page ends in a newest-first list: the last row's creation time and id. */
export interface Position {
  createdAt: number;
  id: string;
}

export interface Page<Row> {
  rows: Row[];
  /** Where the next page starts; null when this page reached the end. */
  next: Position | null;
}

/** A creation-time range in milliseconds: at or after `from`, before `to`. */
export interface CreatedRange {
  from?: number | undefined;
  to?: number | undefined;
}

/** Characters of a long text that a list shows. */
export const PREVIEW_CHARS = 200;

export interface EvaluationFilter extends CreatedRange {
  checklistId?: string | undefined;
  model?: string | undefined;
}

export interface ChecklistFilter extends CreatedRange {
  source?: "generated" | "provided" | undefined;
}

export interface CalibrationFilter extends CreatedRange {
  kind?: "pointwise" | "pairwise" | undefined;
}

export interface BatchFilter extends CreatedRange {
  status?: "running" | "cancelled" | "completed" | undefined;
}

/** A checklist as a list reads it: its instruction cut to a preview. */
export interface ChecklistListRow {
  id: string;
  instruction: string;
  items: ChecklistItem[];
  source: "generated" | "provided";
  model: string | null;
  promptVersion: string | null;
  createdAt: number;
}

/** An evaluation as a list reads it: texts cut to a preview, its checklist's items to score it by. */
export interface EvaluationListRow {
  id: string;
  checklistId: string;
  model: string;
  promptVersion: string;
  signal: "logprobs" | "none";
  results: ItemVerdict[];
  instruction: string;
  response: string;
  createdAt: number;
  items: ChecklistItem[];
}

/** What became of an item: graded and passed or failed, errored (no grade), or not finished yet. */
export type ItemStanding = "passed" | "failed" | "errored" | "pending";

export const ITEM_SORT_KEYS = ["index", "custom_id", "weighted", "pass_rate", "soft"] as const;
export type ItemSortKey = (typeof ITEM_SORT_KEYS)[number];

export interface ItemQuery {
  outcome?: ItemStanding | undefined;
  /** Text searched for, literally (ASCII letters in either case), in the custom id, instruction and response. */
  search?: string | undefined;
  sort: ItemSortKey;
  descending: boolean;
  offset: number;
  limit: number;
}

/** One item of a batch as its table shows it; scores and verdicts only once it is graded. */
export interface ItemRow {
  idx: number;
  customId: string | null;
  status: "pending" | "running" | "done" | "failed";
  passed: boolean | null;
  weighted: number | null;
  passRate: number | null;
  soft: number | null;
  evaluationId: string | null;
  checklistId: string | null;
  /** The verdicts in checklist order, as a JSON array text (null until graded). */
  verdicts: string | null;
  problemCode: string | null;
  problemDetail: string | null;
  instruction: string | null;
  response: string | null;
}

/** A checklist every graded item of a batch shares, with how often each of its items was YES. */
export interface SharedChecklist {
  id: string;
  items: ChecklistItem[];
  /** Per checklist item, in order: graded items that answered YES, and graded items. */
  yes: number[];
  graded: number;
}

export interface ModelTokens {
  model: string;
  upstreamCalls: number;
  promptTokens: number;
  completionTokens: number;
}

export interface ItemTotals {
  passed: number;
  failed: number;
  errored: number;
  pending: number;
  meanPassRate: number | null;
  meanWeighted: number | null;
  /** Over the graded items that have a soft score (those graded with logprobs). */
  meanSoft: number | null;
  softCount: number;
}
