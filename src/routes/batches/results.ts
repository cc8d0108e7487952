import { createRoute, z } from "@hono/zod-openapi";
import type { Access } from "../../auth/access";
import type { App } from "../../env";
import { csvHeader, csvRow } from "../../batches/csv";
import { resultLine } from "../../batches/service";
import { Evaluation, Problem, QueryInt } from "../schemas";
import { BatchId, batchByIdErrors, batchesOf } from "./shapes";

const PAGE = 500;

export const BatchResult = z
  .object({
    custom_id: z.string().nullable(),
    index: z.number().int(),
    evaluation: Evaluation.omit({ cached: true, usage: true }).optional(),
    problem: Problem.omit({ instance: true }).optional(),
  })
  .openapi("BatchResult", { description: "One line of the results: the evaluation, or the problem that failed the item." });

export const route = createRoute({
  method: "get",
  path: "/v1/batches/{id}/results",
  tags: ["batches"],
  summary: "The finished items as JSON Lines or CSV, in input order",
  description:
    "Streamed from the database a page at a time. While the batch runs, the lines stop before the first item not finished yet, so that asking again with `after` set to the last index read misses nothing; once it is completed (or cancelled) every finished item is there. The `X-Batch-Status` header gives the status the read was made under. Evaluations omit `cached` and `usage`, which depend on timing: a batch resumed after a crash gives exactly the lines an uninterrupted run gives. The batch's usage is on GET /v1/batches/{id}.\n\nWith `format=csv` (or `Accept: text/csv`): one row per item with `index`, `custom_id`, `passed`, the three scores, `evaluation_id` and `error` (the problem code of an item that failed), then, when every graded item shares one checklist, one column per checklist question (`q1: …`) holding its verdict. Text cells that begin like a spreadsheet formula (`=`, `+`, `-`, `@`) are prefixed with an apostrophe.",
  request: {
    params: BatchId,
    query: z.object({
      after: QueryInt(-1, Number.MAX_SAFE_INTEGER).optional().openapi({ description: "Only items with a greater index (default -1: from the start)." }),
      format: z.enum(["jsonl", "csv"]).optional().openapi({ description: "jsonl (default) or csv; `Accept: text/csv` also asks for CSV." }),
    }),
  },
  responses: {
    200: {
      description: "One JSON object per line, or a CSV table.",
      content: { "application/x-ndjson": { schema: BatchResult }, "text/csv": { schema: z.string() } },
    },
    ...batchByIdErrors,
  },
});

export const access: Access = { auth: "key", scopes: ["evaluate"], objects: { path: "batch" }, spends: false };

export function register(app: App) {
  return app.openapi(route, async (c) => {
    const batches = batchesOf(c);
    const { id } = c.req.valid("param");
    const query = c.req.valid("query");
    let after = query.after ?? -1;
    const csv = query.format === "csv" || (query.format === undefined && /\btext\/csv\b/i.test(c.req.header("accept") ?? ""));
    const batch = await batches.get(id);
    // A running (or paused) batch's lines end where its finished prefix does (taken now, before the status
    // could change), so that a reader resuming from its last index skips nothing.
    const before = batch.status === "running" || batch.status === "paused" ? ((await batches.firstUnfinished(id)) ?? undefined) : undefined;
    // CSV has one verdict column per question when the items read share a checklist.
    const checklist = csv ? ((await c.get("services").batchViews.sharedChecklist(id, before))?.items ?? null) : null;
    const encoder = new TextEncoder();
    let header = csv ? csvHeader(checklist) : "";
    // Pulled page by page as the client reads: memory stays at one page whatever the batch size.
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const rows = await batches.resultsPage(id, after, PAGE, before);
        if (rows.length === 0) {
          if (header) controller.enqueue(encoder.encode(header));
          return controller.close();
        }
        after = rows.at(-1)!.idx;
        const text = csv ? rows.map((row) => csvRow(row, checklist)).join("") : rows.map(resultLine).join("");
        controller.enqueue(encoder.encode(header + text));
        header = "";
      },
    });
    const type = csv ? "text/csv; charset=utf-8; header=present" : "application/x-ndjson";
    const disposition = `attachment; filename="${id}.${csv ? "csv" : "jsonl"}"`;
    return c.body(body, 200, { "content-type": type, "content-disposition": disposition, "x-batch-status": batch.status }) as never;
  });
}
