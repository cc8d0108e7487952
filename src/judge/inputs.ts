// What the judge is asked, as plain data: requests and batch items carry these, and a batch item's
// stored request is one (see batch-records.ts). Nothing here depends on anything, so the store may
// name these types without depending on the judge.

export interface ChecklistItemInput {
  question: string;
  weight?: number | undefined;
  must_pass?: boolean | undefined;
}

export interface ChecklistInput {
  instruction: string;
  context?: string | null | undefined;
  max_items?: number | undefined;
  items?: ChecklistItemInput[] | undefined;
}

/** What a judging request says about its checklist: stored, inline, or none (generated). */
export interface ChecklistSource {
  instruction: string;
  context?: string | null | undefined;
  checklist_id?: string | undefined;
  checklist?: { items: ChecklistItemInput[] } | undefined;
  max_items?: number | undefined;
}

export interface EvaluationInput extends ChecklistSource {
  response: string;
  pass_threshold?: number | undefined;
  /** The judge the caller names (one the server allows: `Judge.judgeNamed`); the configured one if none. */
  judge?: string | undefined;
  /** Grade with this judge model instead of the configured one (a cascade's later judges). */
  model?: string | undefined;
}
