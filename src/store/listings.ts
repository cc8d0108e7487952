import { type SQL, and, desc, eq, gte, lt, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { SqlDatabase } from "./database";
import type { BatchFilter, CalibrationFilter, ChecklistFilter, CreatedRange, EvaluationFilter, EvaluationListRow, Page, Position } from "./list-records";
import { PREVIEW_CHARS } from "./list-records";
import type { Listings } from "./ports";
import { checklists, evaluations } from "./schema";
import { batches } from "./schema-batches";
import { calibrations } from "./schema-calibration";

// A filter the database cannot apply (an evaluation's `passed` depends on the pass threshold) is
// applied to rows read in chunks; one page reads at most this many rows before it answers with
// what it found and a cursor to read on from.
const SCAN_CHUNK = 100;
const MAX_SCAN = 2_000;

interface ListedTable {
  tenant: SQLiteColumn;
  createdAt: SQLiteColumn;
  id: SQLiteColumn;
}

/**
 * Rows after `after` in newest-first order (creation time, then id, both descending), so that a
 * row is on exactly one page however many rows share a creation time.
 */
function after(t: ListedTable, position: Position | null): SQL | undefined {
  if (!position) return undefined;
  // A row value: SQLite (and D1) seek the (tenant, created_at, id) index to it.
  return sql`(${t.createdAt}, ${t.id}) < (${position.createdAt}, ${position.id})`;
}

/** A creation range in a table's unit: seconds (`unixepoch()` defaults) or milliseconds. */
function createdIn(t: ListedTable, range: CreatedRange, unitMs: number): SQL[] {
  const bound = (ms: number) => Math.ceil(ms / unitMs);
  return [...(range.from !== undefined ? [gte(t.createdAt, bound(range.from))] : []), ...(range.to !== undefined ? [lt(t.createdAt, bound(range.to))] : [])];
}

const positionOf = (row: { createdAt: number; id: string }): Position => ({ createdAt: row.createdAt, id: row.id });

/**
 * One page of a newest-first list. `read` gives up to `n` rows after a position; `keep`, when
 * given, filters them after they are read.
 */
async function pageOf<Row extends { createdAt: number; id: string }>(
  read: (from: Position | null, n: number) => Promise<Row[]>,
  start: Position | null,
  limit: number,
  keep?: (row: Row) => boolean,
): Promise<Page<Row>> {
  if (!keep) {
    const rows = await read(start, limit + 1);
    const page = rows.slice(0, limit);
    return { rows: page, next: rows.length > limit ? positionOf(page.at(-1)!) : null };
  }
  const rows: Row[] = [];
  let from = start;
  for (let scanned = 0; ; ) {
    const chunk = await read(from, SCAN_CHUNK);
    for (const row of chunk) {
      scanned++;
      from = positionOf(row);
      if (keep(row)) rows.push(row);
      if (rows.length === limit) return { rows, next: from };
    }
    if (chunk.length < SCAN_CHUNK) return { rows, next: null };
    if (scanned >= MAX_SCAN) return { rows, next: from };
  }
}

const preview = (column: SQLiteColumn) => sql<string>`substr(${column}, 1, ${PREVIEW_CHARS + 1})`;

/**
 * Newest-first lists of a tenant's objects, a page at a time. Every query names the tenant: a
 * list never shows another tenant's rows.
 */
export function createListings({ db }: SqlDatabase): Listings {
  const evaluationRows =
    (tenant: string, filter: EvaluationFilter) =>
    (from: Position | null, n: number): Promise<EvaluationListRow[]> =>
      db
        .select({
          id: evaluations.id,
          checklistId: evaluations.checklistId,
          model: evaluations.model,
          promptVersion: evaluations.promptVersion,
          signal: evaluations.signal,
          results: evaluations.results,
          instruction: preview(evaluations.instruction),
          response: preview(evaluations.response),
          createdAt: evaluations.createdAt,
          items: checklists.items,
        })
        .from(evaluations)
        .innerJoin(checklists, eq(checklists.id, evaluations.checklistId))
        .where(
          and(
            eq(evaluations.tenant, tenant),
            filter.checklistId !== undefined ? eq(evaluations.checklistId, filter.checklistId) : undefined,
            filter.model !== undefined ? eq(evaluations.model, filter.model) : undefined,
            ...createdIn(evaluations, filter, 1000),
            after(evaluations, from),
          ),
        )
        .orderBy(desc(evaluations.createdAt), desc(evaluations.id))
        .limit(n);

  return {
    /** Evaluations with their checklist's items (to score them); `keep` filters on what SQL cannot. */
    evaluations: (tenant: string, filter: EvaluationFilter, start: Position | null, limit: number, keep?: (row: EvaluationListRow) => boolean) =>
      pageOf(evaluationRows(tenant, filter), start, limit, keep),

    checklists: (tenant: string, filter: ChecklistFilter, start: Position | null, limit: number) =>
      pageOf(
        (from, n) =>
          db
            .select({
              id: checklists.id,
              instruction: preview(checklists.instruction),
              items: checklists.items,
              source: checklists.source,
              model: checklists.model,
              promptVersion: checklists.promptVersion,
              createdAt: checklists.createdAt,
            })
            .from(checklists)
            .where(
              and(
                eq(checklists.tenant, tenant),
                filter.source !== undefined ? eq(checklists.source, filter.source) : undefined,
                ...createdIn(checklists, filter, 1000),
                after(checklists, from),
              ),
            )
            .orderBy(desc(checklists.createdAt), desc(checklists.id))
            .limit(n),
        start,
        limit,
      ),

    calibrations: (tenant: string, filter: CalibrationFilter, start: Position | null, limit: number) =>
      pageOf(
        (from, n) =>
          db
            .select()
            .from(calibrations)
            .where(
              and(
                eq(calibrations.tenant, tenant),
                filter.kind !== undefined ? eq(calibrations.kind, filter.kind) : undefined,
                ...createdIn(calibrations, filter, 1000),
                after(calibrations, from),
              ),
            )
            .orderBy(desc(calibrations.createdAt), desc(calibrations.id))
            .limit(n),
        start,
        limit,
      ),

    /** Batch ids; their state is read through the batch service, which knows what is running here. */
    batches: (tenant: string, filter: BatchFilter, start: Position | null, limit: number) =>
      pageOf(
        (from, n) =>
          db
            .select({ id: batches.id, createdAt: batches.createdAt })
            .from(batches)
            .where(
              and(
                eq(batches.tenant, tenant),
                filter.status !== undefined ? eq(batches.status, filter.status) : undefined,
                ...createdIn(batches, filter, 1),
                after(batches, from),
              ),
            )
            .orderBy(desc(batches.createdAt), desc(batches.id))
            .limit(n),
        start,
        limit,
      ),
  };
}
