// The persistence ports: what the service asks of a store, in the records of records.ts,
// batch-records.ts and list-records.ts. The SQLite stores (better-sqlite3 on Node, D1 on Workers)
// implement them over drizzle; docs/stores.md says what a store for another engine takes.
import type { BatchCounts, BatchItemRow, BatchRow, BatchStatus, BatchTotals, FinishedItem, NewBatchItem, NewBatchRow } from "./batch-records";
import type {
  BatchFilter,
  CalibrationFilter,
  ChecklistFilter,
  ChecklistListRow,
  EvaluationFilter,
  EvaluationListRow,
  ItemQuery,
  ItemRow,
  ItemTotals,
  ModelTokens,
  Page,
  Position,
  SharedChecklist,
} from "./list-records";
import type {
  ApiKeyRow,
  CalibrationRecord,
  ChecklistRecord,
  ComparisonRecord,
  GradingRecord,
  KeyLimitsRow,
  NewApiKeyRow,
  NewCalibration,
  NewChecklist,
  NewGrading,
  RevisionRecord,
  UsageRow,
} from "./records";
import type { UsageByModel } from "../llm/usage";

/**
 * Checklists and gradings. Every record belongs to a tenant; reads by id or fingerprint see only
 * that tenant's, except the `any…ByFingerprint` lookups behind a globally shared cache.
 */
export interface Store {
  checklistById(tenant: string, id: string): Promise<ChecklistRecord | undefined>;
  checklistByFingerprint(tenant: string, fingerprint: string): Promise<ChecklistRecord | undefined>;
  anyChecklistByFingerprint(fingerprint: string): Promise<ChecklistRecord | undefined>;
  /** Inserts unless the tenant has one with the same fingerprint; returns the one that is stored. */
  putChecklist(checklist: NewChecklist): Promise<ChecklistRecord>;
  /** The grading an evaluation id names (with or without its threshold: see evaluation-ids.ts). */
  evaluationById(tenant: string, id: string): Promise<GradingRecord | undefined>;
  gradingByFingerprint(tenant: string, fingerprint: string): Promise<GradingRecord | undefined>;
  anyGradingByFingerprint(fingerprint: string): Promise<GradingRecord | undefined>;
  /** Inserts unless the tenant has one with the same fingerprint; returns the one that is stored. */
  putGrading(grading: NewGrading): Promise<GradingRecord>;
  /** A cheap query that fails when the database cannot be reached. */
  ping(): Promise<void>;
}

/** Ordered comparisons and revisions, each looked up and stored by cache tenant and fingerprint. */
export interface PairwiseStore {
  comparisonByFingerprint(tenant: string, fingerprint: string): Promise<ComparisonRecord | undefined>;
  /** Inserts unless the fingerprint is stored already for the tenant; returns the one that is stored. */
  putComparison(comparison: ComparisonRecord): Promise<ComparisonRecord>;
  revisionByFingerprint(tenant: string, fingerprint: string): Promise<RevisionRecord | undefined>;
  putRevision(revision: RevisionRecord): Promise<RevisionRecord>;
}

export interface CalibrationStore {
  /** The tenant's profile with this id; another tenant's is not found. */
  calibrationById(tenant: string, id: string): Promise<CalibrationRecord | undefined>;
  /** Inserts unless the id is stored already (same request, same profile); returns the stored one. */
  putCalibration(calibration: NewCalibration): Promise<CalibrationRecord>;
}

export interface KeyStore {
  create(key: NewApiKeyRow): Promise<void>;
  /** The live (not revoked) key with this secret hash. */
  activeByHash(hash: string): Promise<ApiKeyRow | undefined>;
  /** The key with this id, live or revoked. */
  byId(id: string): Promise<ApiKeyRow | undefined>;
  /** Live keys, of one tenant or (undefined) all. */
  listLive(tenant: string | undefined): Promise<ApiKeyRow[]>;
  /** Marks a key revoked; false when there is no live key with this id (in this tenant, if given). */
  revoke(id: string, at: number, tenant: string | undefined): Promise<boolean>;
  /** The key `makerId` and the keys above it (each the one that made the one before), nearest first. */
  lineage(makerId: string): Promise<KeyLimitsRow[]>;
  /** The key and every key made under it, at any depth, live or revoked. */
  under(id: string): Promise<string[]>;
}

/** What one key's requests of a day added up to: requests, the cache's savings, upstream usage by model. */
interface DayTally extends UsageByModel {
  cacheHits: number;
  tokensSaved: number;
}

export interface UsageStore {
  /** Adds `requests` requests and their tally to the key's day, one upsert per model. */
  record(keyId: string, tenant: string, day: string, tally: DayTally, requests: number): Promise<void>;
  /** Upstream tokens the keys have spent on a day, together. */
  tokensOn(keyIds: readonly string[], day: string): Promise<number>;
  list(filter: { keyId?: string; tenant?: string; from?: string; to?: string }): Promise<UsageRow[]>;
}

/** Batches and their items. The methods marked atomic take effect whole or not at all. */
export interface BatchStore {
  /** Atomic. Idempotent: items already stored under the same (batch, index) are left alone. */
  insertItems(batchId: string, items: NewBatchItem[]): Promise<void>;
  /**
   * Atomic. Makes the items staged under `stagingId` the items of the batch `row`, and stores the
   * row: a batch exists only once all its items do. When the batch is stored already (the same
   * content sent again), its items are left alone and the staged copy dropped.
   */
  adoptStaged(stagingId: string, row: NewBatchRow): Promise<void>;
  /** Drops the items staged under a name (a body refused, or one whose upload died). */
  discardStaged(stagingId: string): Promise<void>;
  /** The staging names in use, e.g. to drop those of uploads that died long ago. */
  stagingIds(): Promise<string[]>;
  /** Inserted after its items, so a batch exists only once all its items do. */
  insertBatch(row: NewBatchRow): Promise<void>;
  batchById(id: string): Promise<BatchRow | undefined>;
  batchIdsWithStatus(status: BatchStatus): Promise<string[]>;
  /**
   * Sets the status; a reason and a resume time only go with a pause or a cancel the batch did not
   * ask for. With `from`, only a batch in that status changes (compare and set): whether it did.
   */
  setStatus(
    id: string,
    status: BatchStatus,
    finishedAt: number | null,
    reason?: string | null,
    pausedUntil?: number | null,
    from?: BatchStatus,
  ): Promise<boolean>;
  /** Marks a running batch completed if none of its items is pending or running; whether it did. */
  completeIfFinished(id: string, now: number): Promise<boolean>;
  /** Makes `to` the batch's runner if its runner is still `from` (compare and set); whether it did. */
  takeLease(id: string, from: string | null, to: string, now: number): Promise<boolean>;
  /** The runner says it is still at work: the batch's status, or null when it is no longer its own. */
  renewLease(id: string, runner: string, now: number): Promise<BatchStatus | null>;
  dropLease(id: string, runner: string): Promise<void>;
  /** Items left "running" by a process that is gone go back to pending. */
  requeueRunning(batchId: string): Promise<void>;
  /** Failed items go back to pending, their problem cleared; returns how many. */
  requeueFailed(batchId: string): Promise<number>;
  /** One statement: takes up to `limit` pending items (lowest indexes first) and marks them running. */
  claim(batchId: string, limit: number): Promise<BatchItemRow[]>;
  /** Claimed items that were never started go back to pending. */
  release(batchId: string, idxs: number[]): Promise<void>;
  /** Atomic. Records finished items; only items still running are changed. */
  finishItems(batchId: string, items: FinishedItem[]): Promise<void>;
  counts(batchId: string): Promise<BatchCounts>;
  /** Pass count, score sum, cache hits and upstream usage over the finished items. */
  totals(batchId: string): Promise<BatchTotals>;
  /** Finished items after `afterIdx` (and before `beforeIdx`), in input order: one page of the results stream. */
  finishedPage(batchId: string, afterIdx: number, limit: number, beforeIdx?: number): Promise<BatchItemRow[]>;
  /** The lowest index not finished yet (pending or running), or null when none is left. */
  firstUnfinished(batchId: string): Promise<number | null>;
}

/** A queue message's hold on one item: which item, and the message's own random token. */
interface ItemClaim {
  idx: number;
  claim: string;
}

/**
 * Items as queue messages hold them (on Workers): a message takes its item only while nobody else
 * holds it, and a message delivered again (same claim) takes it up again.
 */
export interface ItemClaims {
  /** Atomic. Takes unfinished items for the messages that name them; the items taken, by index. */
  claimItems(batchId: string, claims: readonly ItemClaim[]): Promise<Map<number, BatchItemRow>>;
  /** Atomic. Puts items the messages hold back to pending, for other messages to take. */
  releaseItems(batchId: string, claims: readonly ItemClaim[]): Promise<void>;
  /** Keeps the problem of an attempt that failed on a running item, for when it fails for good. */
  noteProblem(batchId: string, idx: number, claim: string, problem: Record<string, unknown>): Promise<void>;
  /** Fails an unfinished item whose attempts are spent, with its last noted problem or `fallback`. */
  failUnfinished(batchId: string, idx: number, fallback: Record<string, unknown>): Promise<boolean>;
  /** The indexes of pending items in [from, to), in order. */
  pendingIndexes(batchId: string, from: number, to: number): Promise<number[]>;
}

/** Newest-first lists of a tenant's objects, a page at a time; never another tenant's. */
export interface Listings {
  /** Evaluations with their checklist's items (to score them); `keep` filters on what a query cannot. */
  evaluations(
    tenant: string,
    filter: EvaluationFilter,
    start: Position | null,
    limit: number,
    keep?: (row: EvaluationListRow) => boolean,
  ): Promise<Page<EvaluationListRow>>;
  checklists(tenant: string, filter: ChecklistFilter, start: Position | null, limit: number): Promise<Page<ChecklistListRow>>;
  calibrations(tenant: string, filter: CalibrationFilter, start: Position | null, limit: number): Promise<Page<CalibrationRecord>>;
  /** Batch ids; their state is read through the batch service, which knows what is running here. */
  batches(tenant: string, filter: BatchFilter, start: Position | null, limit: number): Promise<Page<Position>>;
}

/** Read-only views of one batch's items; the batch service checks the batch's tenant first. */
export interface BatchViews {
  /** A page of the items that match, sorted (items without the sort value last, then by index), and how many match. */
  items(batchId: string, query: ItemQuery): Promise<{ rows: ItemRow[]; matching: number }>;
  /** The checklist every graded item (before `before`) shares, with its YES counts; null when they do not share one. */
  sharedChecklist(batchId: string, before?: number): Promise<SharedChecklist | null>;
  totals(batchId: string): Promise<ItemTotals>;
  tokensByModel(batchId: string, fallbackModel: string): Promise<ModelTokens[]>;
}

/** Every port, over one database: what a runtime hands the services. */
export interface Stores {
  judge: Store;
  pairwise: PairwiseStore;
  calibrations: CalibrationStore;
  keys: KeyStore;
  usage: UsageStore;
  batches: BatchStore;
  claims: ItemClaims;
  listings: Listings;
  batchViews: BatchViews;
}
