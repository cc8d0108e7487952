// What the stores keep, as the rest of the service sees it: plain records, whatever the engine.
// The SQLite stores map their rows to these at their edge (src/store/*-store.ts); a store for
// another engine returns the same records. Times are epoch seconds where a column's SQL default
// writes them (`unixepoch()`), else epoch milliseconds, as each field says.
import type { Usage } from "../llm/usage";

/** One question of a checklist; ids are positions (`q1`, `q2`…), fixed for the checklist's life. */
export interface ChecklistItem {
  id: string;
  question: string;
  weight: number;
  must_pass: boolean;
}

/** The judge's answer to one checklist item. */
export interface ItemVerdict {
  item_id: string;
  verdict: "YES" | "NO";
  rationale: string;
  p_yes: number | null;
}

/**
 * A checklist, stored once per tenant and fingerprint: the generation key for a generated one, the
 * content hash for a caller's. Its id is derived from both (see Judge.scopedId).
 */
export interface ChecklistRecord {
  id: string;
  tenant: string;
  fingerprint: string;
  contentHash: string;
  instruction: string;
  context: string | null;
  items: ChecklistItem[];
  source: "generated" | "provided";
  model: string | null;
  promptVersion: string | null;
  /** What generating it cost (nothing for a caller's own). */
  usage: Usage;
  /** Epoch seconds. */
  createdAt: number;
}

/**
 * One grading of one response against one checklist, keyed by the grading fingerprint. An
 * evaluation is a grading judged at a pass threshold (see evaluation-ids.ts).
 */
export interface GradingRecord {
  id: string;
  tenant: string;
  fingerprint: string;
  checklistId: string;
  instruction: string;
  context: string | null;
  response: string;
  results: ItemVerdict[];
  signal: "logprobs" | "none";
  model: string;
  promptVersion: string;
  usage: Usage;
  /** Epoch seconds. */
  createdAt: number;
}

/** What a store is given to keep; it sets `createdAt`. */
export type NewChecklist = Omit<ChecklistRecord, "createdAt">;
export type NewGrading = Omit<GradingRecord, "createdAt">;

/**
 * One direct comparison in one order: which of two responses, shown first and second, the judge
 * preferred. `tenant` is the cache tenant: the caller's, or "*" under a global cache scope.
 */
export interface ComparisonRecord {
  tenant: string;
  fingerprint: string;
  better: "FIRST" | "SECOND";
  /** p(FIRST) read at the answer token; null without logprobs. */
  pFirst: number | null;
  rationale: string;
  model: string;
  promptVersion: string;
  usage: Usage;
}

/** One revision written from a response and its failed checklist items (STICK self-refinement). */
export interface RevisionRecord {
  /** The cache tenant, as for comparisons. */
  tenant: string;
  fingerprint: string;
  revision: string;
  model: string;
  promptVersion: string;
  usage: Usage;
}

/** A calibration profile: immutable, its id derived from the request that fitted it. */
export interface CalibrationRecord {
  id: string;
  tenant: string;
  name: string;
  kind: "pointwise" | "pairwise";
  profile: unknown;
  /** Epoch seconds. */
  createdAt: number;
}
export type NewCalibration = Omit<CalibrationRecord, "createdAt">;

export const SCOPES = ["evaluate", "calibrate", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

/** An API key. Only a hash of the secret is kept; the secret is shown once, when the key is made. */
export interface ApiKeyRow {
  id: string;
  name: string;
  tenant: string;
  scopes: Scope[];
  keyHash: string;
  rateLimitRpm: number | null;
  dailyTokenBudget: number | null;
  /** Epoch seconds. */
  createdAt: number;
  revokedAt: number | null;
  /**
   * Who made the key: "operator" (TICKBOX_ADMIN_KEY), the id of the tenant admin key that did, or
   * for keys of earlier versions MADE_OPEN or "unrecorded" (see keys-store.ts).
   */
  createdBy: string | null;
}
export type NewApiKeyRow = Omit<ApiKeyRow, "createdAt" | "revokedAt" | "createdBy"> & Partial<Pick<ApiKeyRow, "createdAt" | "revokedAt" | "createdBy">>;

/** A key's own limits, as the keys above another key are listed. */
export type KeyLimitsRow = Pick<ApiKeyRow, "id" | "rateLimitRpm" | "dailyTokenBudget">;

/** `created_by` of keys that may have been made by anyone, on a server without an admin key. */
export const MADE_OPEN = "open";

/** Whether a `created_by` names the key that made it (rather than the operator, or an unknown maker). */
export const madeByKey = (createdBy: string | null): createdBy is string => createdBy?.startsWith("key_") === true;

/** Per key, UTC day and model: what was asked, what it cost upstream and what the cache saved. */
export interface UsageRow {
  keyId: string;
  day: string;
  /** "" for the row that counts the requests themselves and the cache's savings. */
  model: string;
  tenant: string;
  requests: number;
  upstreamCalls: number;
  promptTokens: number;
  completionTokens: number;
  cacheHits: number;
  tokensSaved: number;
}

/** The UTC day (YYYY-MM-DD) usage is booked to. */
export const utcDay = (ms = Date.now()) => new Date(ms).toISOString().slice(0, 10);
