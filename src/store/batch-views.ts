import { type SQL, and, eq, inArray, lt, sql } from "drizzle-orm";
import type { SqlDatabase } from "./database";
import {
  type ItemQuery,
  type ItemRow,
  type ItemSortKey,
  type ItemStanding,
  type ItemTotals,
  type ModelTokens,
  PREVIEW_CHARS,
  type SharedChecklist,
} from "./list-records";
import type { BatchViews } from "./ports";
import type { ChecklistItem } from "./records";
import { batchItems } from "./schema-batches";

const json = (column: unknown, path: string) => sql`json_extract(${column}, ${path})`;
const passRate = json(batchItems.result, "$.scores.pass_rate");
const soft = json(batchItems.result, "$.scores.soft");

const SORT_COLUMN: Record<ItemSortKey, SQL | typeof batchItems.idx> = {
  index: batchItems.idx,
  custom_id: sql`${batchItems.customId}`,
  weighted: sql`${batchItems.weighted}`,
  pass_rate: passRate,
  soft,
};

function outcomeIs(outcome: ItemStanding): SQL {
  switch (outcome) {
    case "passed":
      return sql`${batchItems.status} = 'done' and ${batchItems.passed} = 1`;
    case "failed":
      return sql`${batchItems.status} = 'done' and ${batchItems.passed} = 0`;
    case "errored":
      return sql`${batchItems.status} = 'failed'`;
    case "pending":
      return sql`${batchItems.status} in ('pending', 'running')`;
  }
}

/**
 * Items whose custom id, instruction or response contains `text` as it is, ASCII letters in either
 * case. `instr` compares the bytes themselves, so every character is literal: LIKE would read `%`,
 * `_` and its escape as patterns, and stops its pattern at a NUL (so `q=%00` matched every item).
 */
function searchIn(text: string): SQL {
  const contains = (expr: unknown) => sql`instr(lower(${expr}), lower(${text})) > 0`;
  return sql`(${contains(batchItems.customId)} or ${contains(json(batchItems.request, "$.instruction"))} or ${contains(json(batchItems.request, "$.response"))})`;
}

/**
 * Read-only views of one batch's items for people and exports: a filtered, sorted table, the
 * checklist the graded items share, totals and tokens by model. Batch ids are checked against the
 * caller's tenant by the batch service before any of these run.
 */
export function createBatchViews({ db }: SqlDatabase): BatchViews {
  const where = (batchId: string, query: Pick<ItemQuery, "outcome" | "search">) =>
    and(eq(batchItems.batchId, batchId), query.outcome ? outcomeIs(query.outcome) : undefined, query.search ? searchIn(query.search) : undefined);

  return {
    /** A page of the items that match, sorted (items without the sort value last, then by index), and how many match. */
    async items(batchId: string, query: ItemQuery): Promise<{ rows: ItemRow[]; matching: number }> {
      const column = SORT_COLUMN[query.sort];
      const direction = query.descending ? sql`desc` : sql`asc`;
      const rows = await db
        .select({
          idx: batchItems.idx,
          customId: batchItems.customId,
          status: batchItems.status,
          passed: batchItems.passed,
          weighted: batchItems.weighted,
          passRate: sql<number | null>`${passRate}`,
          soft: sql<number | null>`${soft}`,
          evaluationId: sql<string | null>`${json(batchItems.result, "$.id")}`,
          checklistId: sql<string | null>`${json(batchItems.result, "$.checklist.id")}`,
          verdicts: sql<string | null>`(select json_group_array(json_extract(value, '$.verdict')) from json_each(${batchItems.result}, '$.results'))`,
          problemCode: sql<string | null>`${json(batchItems.problem, "$.code")}`,
          problemDetail: sql<string | null>`${json(batchItems.problem, "$.detail")}`,
          instruction: sql<string | null>`substr(${json(batchItems.request, "$.instruction")}, 1, ${PREVIEW_CHARS + 1})`,
          response: sql<string | null>`substr(${json(batchItems.request, "$.response")}, 1, ${PREVIEW_CHARS + 1})`,
        })
        .from(batchItems)
        .where(where(batchId, query))
        .orderBy(sql`${column} is null`, sql`${column} ${direction}`, batchItems.idx)
        .limit(query.limit)
        .offset(query.offset);
      const [count] = await db.select({ n: sql<number>`count(*)` }).from(batchItems).where(where(batchId, query));
      // A graded item's `verdicts` subquery gives "[]" for ungraded ones: null says "no verdicts".
      return {
        rows: rows.map((r) => ({ ...r, passed: r.passed === null ? null : Boolean(r.passed), verdicts: r.status === "done" ? r.verdicts : null })),
        matching: Number(count?.n ?? 0),
      };
    },

    /**
     * The checklist shared by every graded item (of those before index `before`), with its YES
     * counts; null when the graded items used more than one checklist, or none is graded.
     */
    async sharedChecklist(batchId: string, before = Number.MAX_SAFE_INTEGER): Promise<SharedChecklist | null> {
      const graded = and(eq(batchItems.batchId, batchId), eq(batchItems.status, "done"), lt(batchItems.idx, before));
      const ids = await db
        .select({ id: sql<string>`${json(batchItems.result, "$.checklist.id")}`, items: sql<string>`${json(batchItems.result, "$.checklist.items")}` })
        .from(batchItems)
        .where(graded)
        .groupBy(json(batchItems.result, "$.checklist.id"))
        .limit(2);
      if (ids.length !== 1) return null;
      const [{ id, items }] = ids as [{ id: string; items: string }];
      const counts = await db
        .select({ position: sql<number>`j.key`, yes: sql<number>`sum(json_extract(j.value, '$.verdict') = 'YES')`, n: sql<number>`count(*)` })
        .from(sql`${batchItems}, json_each(${batchItems.result}, '$.results') as j`)
        .where(graded)
        .groupBy(sql`j.key`);
      const parsed = JSON.parse(items) as ChecklistItem[];
      const yes = parsed.map(() => 0);
      let total = 0;
      for (const c of counts) {
        yes[Number(c.position)] = Number(c.yes);
        total = Math.max(total, Number(c.n));
      }
      return { id, items: parsed, yes, graded: total };
    },

    /** Outcome counts and mean scores over the items. */
    async totals(batchId: string): Promise<ItemTotals> {
      const [row] = await db
        .select({
          passed: sql<number>`coalesce(sum(${batchItems.status} = 'done' and ${batchItems.passed} = 1), 0)`,
          failed: sql<number>`coalesce(sum(${batchItems.status} = 'done' and ${batchItems.passed} = 0), 0)`,
          errored: sql<number>`coalesce(sum(${batchItems.status} = 'failed'), 0)`,
          pending: sql<number>`coalesce(sum(${batchItems.status} in ('pending', 'running')), 0)`,
          meanPassRate: sql<number | null>`avg(case when ${batchItems.status} = 'done' then ${passRate} end)`,
          meanWeighted: sql<number | null>`avg(case when ${batchItems.status} = 'done' then ${batchItems.weighted} end)`,
          meanSoft: sql<number | null>`avg(case when ${batchItems.status} = 'done' then ${soft} end)`,
          softCount: sql<number>`count(case when ${batchItems.status} = 'done' then ${soft} end)`,
        })
        .from(batchItems)
        .where(eq(batchItems.batchId, batchId));
      const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
      return {
        passed: Number(row?.passed ?? 0),
        failed: Number(row?.failed ?? 0),
        errored: Number(row?.errored ?? 0),
        pending: Number(row?.pending ?? 0),
        meanPassRate: num(row?.meanPassRate),
        meanWeighted: num(row?.meanWeighted),
        meanSoft: num(row?.meanSoft),
        softCount: Number(row?.softCount ?? 0),
      };
    },

    /**
     * Upstream calls and tokens of the finished items by the model that graded them; an item that
     * failed before naming one is booked to the model it asked for, else to `fallbackModel`.
     */
    async tokensByModel(batchId: string, fallbackModel: string): Promise<ModelTokens[]> {
      const model = sql<string>`coalesce(${json(batchItems.result, "$.model")}, ${json(batchItems.request, "$.model")}, ${fallbackModel})`;
      const rows = await db
        .select({
          model,
          upstreamCalls: sql<number>`coalesce(sum(${batchItems.upstreamCalls}), 0)`,
          promptTokens: sql<number>`coalesce(sum(${batchItems.promptTokens}), 0)`,
          completionTokens: sql<number>`coalesce(sum(${batchItems.completionTokens}), 0)`,
        })
        .from(batchItems)
        .where(and(eq(batchItems.batchId, batchId), inArray(batchItems.status, ["done", "failed"])))
        .groupBy(model)
        .orderBy(model);
      return rows.map((r) => ({
        model: r.model,
        upstreamCalls: Number(r.upstreamCalls),
        promptTokens: Number(r.promptTokens),
        completionTokens: Number(r.completionTokens),
      }));
    },
  };
}
