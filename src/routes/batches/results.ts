import { createRoute, z } from "@hono/zod-openapi";
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
    "Streamed from the database a page at a time. Items not finished yet are left out (the status says how many). Evaluations omit `cached` and `usage`, which depend on timing: a batch resumed after a crash gives exactly the lines an uninterrupted run gives. The batch's usage is on GET /v1/batches/{id}.",
  request: { params: BatchId },
  responses: {
    200: { description: "One JSON object per line.", content: { "application/x-ndjson": { schema: BatchResult } } },
    ...batchByIdErrors,
  },
});

export function register(app: App) {
  return app.openapi(route, async (c) => {
    const batches = batchesOf(c);
    const { id } = c.req.valid("param");
    const batch = await batches.get(id);
    const encoder = new TextEncoder();
    let after = -1;
    // Pulled page by page as the client reads: memory stays at one page whatever the batch size.
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const rows = await batches.resultsPage(id, after, PAGE);
        if (rows.length === 0) return controller.close();
        after = rows.at(-1)!.idx;
        controller.enqueue(encoder.encode(rows.map(resultLine).join("")));
      },
    });
    return c.body(body, 200, { "content-type": "application/x-ndjson", "x-batch-status": batch.status }) as never;
  });
}
