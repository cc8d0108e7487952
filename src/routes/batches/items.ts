import { createRoute, z } from "@hono/zod-openapi";
import type { Access } from "../../auth/access";
import { MAX_BATCH_ITEMS } from "../../config";
import type { App } from "../../env";
import { ITEM_SORT_KEYS, type ItemRow, type ItemStanding } from "../../store/list-records";
import { previewOf } from "../pagination";
import { QueryInt, commonErrors, maxChars } from "../schemas";
import { BatchId, batchByIdErrors, batchesOf } from "./shapes";

const Verdict = z.enum(["YES", "NO"]);

export const BatchItemRow = z
  .object({
    index: z.number().int(),
    custom_id: z.string().nullable(),
    status: z.enum(["pending", "running", "done", "failed"]),
    outcome: z
      .enum(["passed", "failed", "errored", "pending"])
      .openapi({ description: "Graded and passed or failed; errored (a problem, no grade); or not finished." }),
    scores: z.object({ pass_rate: z.number(), weighted: z.number(), soft: z.number().nullable() }).nullable(),
    evaluation_id: z.string().nullable().openapi({ description: "The grading, also served by GET /v1/evaluations/{id}." }),
    checklist_id: z.string().nullable(),
    verdicts: z.array(Verdict).nullable().openapi({ description: "The verdicts in checklist order, once graded." }),
    problem: z.object({ code: z.string(), detail: z.string() }).nullable(),
    instruction_preview: z.string().nullable(),
    response_preview: z.string().nullable(),
  })
  .openapi("BatchItemRow", { description: "One item of a batch as a results table shows it." });

const SORTS = ITEM_SORT_KEYS.flatMap((key) => [key, `-${key}`] as const);

export const route = createRoute({
  method: "get",
  path: "/v1/batches/{id}/items",
  tags: ["batches"],
  summary: "A batch's items as a table: filtered, searched, sorted, a page at a time",
  description:
    "Every item, finished or not, with its outcome, scores and verdicts, and the start of its instruction and response. `q` searches the custom id, instruction and response for its text as it is (`%`, `_`, `\\` and NUL are characters like any other; ASCII letters match in either case). Items without the sort value (not graded yet, or errored) come last. For the full results use GET /v1/batches/{id}/results.",
  request: {
    params: BatchId,
    query: z.object({
      outcome: z.enum(["passed", "failed", "errored", "pending"]).optional(),
      q: maxChars(z.string().min(1), 200).optional().openapi({ description: "Text to find in the custom id, instruction or response." }),
      sort: z
        .enum(SORTS as [string, ...string[]])
        .default("index")
        .openapi({ description: "A column, descending with a leading `-`." }),
      offset: QueryInt(0, MAX_BATCH_ITEMS).default(0),
      limit: QueryInt(1, 500).default(100),
    }),
  },
  responses: {
    200: {
      description: "A page of items and how many match.",
      content: { "application/json": { schema: z.object({ items: z.array(BatchItemRow), matching: z.number().int(), offset: z.number().int() }) } },
    },
    ...batchByIdErrors,
    422: commonErrors[422],
  },
});

const outcomeOf = (row: ItemRow): ItemStanding =>
  row.status === "done" ? (row.passed ? "passed" : "failed") : row.status === "failed" ? "errored" : "pending";

export const access: Access = { auth: "key", scopes: ["evaluate"], objects: { path: "batch" }, spends: false };

export function register(app: App) {
  return app.openapi(route, async (c) => {
    const batches = batchesOf(c);
    const { id } = c.req.valid("param");
    const query = c.req.valid("query");
    await batches.get(id);
    const descending = query.sort.startsWith("-");
    const { rows, matching } = await c.get("services").batchViews.items(id, {
      outcome: query.outcome,
      search: query.q,
      sort: query.sort.replace(/^-/, "") as (typeof ITEM_SORT_KEYS)[number],
      descending,
      offset: query.offset,
      limit: query.limit,
    });
    const items = rows.map((row) => ({
      index: row.idx,
      custom_id: row.customId,
      status: row.status,
      outcome: outcomeOf(row),
      scores: row.status === "done" ? { pass_rate: row.passRate ?? 0, weighted: row.weighted ?? 0, soft: row.soft } : null,
      evaluation_id: row.evaluationId,
      checklist_id: row.checklistId,
      verdicts: row.verdicts === null ? null : (JSON.parse(row.verdicts) as ("YES" | "NO")[]),
      problem: row.problemCode === null ? null : { code: row.problemCode, detail: row.problemDetail ?? "" },
      instruction_preview: row.instruction === null ? null : previewOf(row.instruction),
      response_preview: row.response === null ? null : previewOf(row.response),
    }));
    return c.json({ items, matching, offset: query.offset }, 200);
  });
}
