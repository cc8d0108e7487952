import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { BatchService } from "../../batches/service";
import type { App, AppEnv } from "../../env";
import { ProblemError } from "../../errors";
import { contextOf } from "../operation";
import { evaluationFields } from "../evaluations/create";
import { IdParam, Usage, commonErrors, maxChars, notBothChecklists, notFound, notImplemented } from "../schemas";

export const BatchItem = z
  .strictObject({
    ...evaluationFields,
    custom_id: maxChars(z.string().min(1), 200).optional().openapi({ description: "The caller's name for the item, echoed in its result." }),
  })
  .refine(...notBothChecklists)
  .openapi("BatchItem", { description: "An evaluation request (as for POST /v1/evaluations) with an optional custom_id." });

const Counts = z.object({
  pending: z.number().int(),
  running: z.number().int(),
  done: z.number().int(),
  failed: z.number().int(),
});

export const Batch = z
  .object({
    id: z.string().openapi({ example: "ba_5d41402abc4b2a76b9719d911017c592" }),
    status: z.enum(["running", "paused", "cancelled", "completed"]).openapi({
      description:
        "`paused`: the daily token budget of the key that made the batch is spent; it resumes by itself at `resumes_at` (00:00 UTC), or on POST …/retry. `cancelled`: asked to stop, or stopped because the key that made it was revoked (see `status_reason`).",
    }),
    status_reason: z.string().nullable().openapi({ description: "Why the batch is paused or was cancelled without being asked to; null otherwise." }),
    resumes_at: z.string().nullable().openapi({ description: "When a paused batch resumes by itself." }),
    total: z.number().int(),
    concurrency: z.number().int(),
    counts: Counts,
    throughput: z.number().nullable().openapi({
      description:
        "Items per second: since this process (re)started the batch while it runs (on Workers, since the batch was made), over its whole life once completed.",
    }),
    eta_seconds: z.number().nullable(),
    summary: z.object({
      items_finished: z.number().int(),
      pass_rate: z.number().nullable().openapi({ description: "Share of graded items that passed." }),
      mean_weighted: z.number().nullable().openapi({ description: "Mean weighted score of the graded items." }),
      cache_hits: z.number().int(),
      usage: Usage,
    }),
    created_at: z.string(),
    finished_at: z.string().nullable(),
  })
  .openapi("Batch");

export const BatchId = IdParam("ba");

export const batchContent = { "application/json": { schema: Batch } };

/** The answers every operation on one batch shares. */
export const batchByIdErrors = { ...notFound, 500: commonErrors[500], ...notImplemented } as const;

const batchOk = { 200: { description: "The batch.", content: batchContent } };

/**
 * The batch service as the caller may use it: their tenant's batches only, new ones made under
 * their key. A 501 where this deployment has no long-running process or queue for it.
 */
export function batchesOf(c: Context<AppEnv>) {
  const batches = c.get("services").batches;
  if (!batches) {
    throw new ProblemError(
      "not_implemented",
      "background batches need a long-running process or a queue: run the Node server (npm start or tickbox serve), or bind BATCH_QUEUE on Workers (wrangler.toml)",
    );
  }
  return batches.forContext(contextOf(c));
}

/**
 * The route and handler of an operation on one batch that answers the batch as it then stands:
 * GET, cancel, retry. The operation's file keeps its declaration and its access.
 */
export function batchOperation<M extends "get" | "post", P extends string>(
  declared: { method: M; path: P; summary: string; description?: string },
  act: (batches: ReturnType<typeof batchesOf>, id: string) => ReturnType<BatchService["view"]>,
) {
  const { method, path, ...described } = declared;
  const route = createRoute({ method, path, tags: ["batches"], ...described, request: { params: BatchId }, responses: { ...batchOk, ...batchByIdErrors } });
  const register = (app: App) => app.openapi(route, async (c) => c.json(await act(batchesOf(c), c.req.valid("param").id), 200));
  return { route, register };
}
