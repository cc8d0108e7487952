import { createRoute, z } from "@hono/zod-openapi";
import type { Access } from "../../auth/access";
import type { App } from "../../env";
import { resultLine } from "../../batches/service";
import { Evaluation, Problem } from "../schemas";
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
  summary: "The finished items as JSON Lines, in input order",
  description:
    "Streamed from the database a page at a time. While the batch runs, the lines stop before the first item not finished yet, so that asking again with `after` set to the last index read misses nothing; once it is completed (or cancelled) every finished item is there. The `X-Batch-Status` header gives the status the read was made under. Evaluations omit `cached` and `usage`, which depend on timing: a batch resumed after a crash gives exactly the lines an uninterrupted run gives. The batch's usage is on GET /v1/batches/{id}.",
  request: {
    params: BatchId,
    query: z.object({
      after: z.coerce.number().int().min(-1).optional().openapi({ description: "Only items with a greater index (default -1: from the start)." }),
    }),
  },
  responses: {
    200: { description: "One JSON object per line.", content: { "application/x-ndjson": { schema: BatchResult } } },
    ...batchByIdErrors,
  },
});

export const access: Access = { auth: "key", scopes: ["evaluate"], objects: { path: "batch" }, spends: false };

export function register(app: App) {
  return app.openapi(route, async (c) => {
    const batches = batchesOf(c);
    const { id } = c.req.valid("param");
    let after = c.req.valid("query").after ?? -1;
    const batch = await batches.get(id);
    // A running (or paused) batch's lines end where its finished prefix does (taken now, before the status
    // could change), so that a reader resuming from its last index skips nothing.
    const before = batch.status === "running" || batch.status === "paused" ? ((await batches.firstUnfinished(id)) ?? undefined) : undefined;
    const encoder = new TextEncoder();
    // Pulled page by page as the client reads: memory stays at one page whatever the batch size.
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const rows = await batches.resultsPage(id, after, PAGE, before);
        if (rows.length === 0) return controller.close();
        after = rows.at(-1)!.idx;
        controller.enqueue(encoder.encode(rows.map(resultLine).join("")));
      },
    });
    return c.body(body, 200, { "content-type": "application/x-ndjson", "x-batch-status": batch.status }) as never;
  });
}
