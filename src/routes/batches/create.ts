import { createRoute, z } from "@hono/zod-openapi";
import type { Access } from "../../auth/access";
import type { App } from "../../env";
import type { RequestContext } from "../../context";
import type { Judge } from "../../judge/judge";
import { contextOf } from "../operation";
import { parseJsonLines } from "../../batches/json-lines";
import { isJsonMediaType } from "../../middleware/body";
import { commonErrors, notFound, notImplemented } from "../schemas";
import { BatchItem, BatchItems, MAX_BATCH_ITEMS, batchContent, batchesOf } from "./shapes";

export const route = createRoute({
  method: "post",
  path: "/v1/batches",
  tags: ["batches"],
  summary: "Grade many responses in the background",
  description:
    "The body is a JSON array of evaluation requests, or JSON Lines (`application/x-ndjson`, one request per line), up to 100,000 items and TICKBOX_MAX_BATCH_BODY_BYTES. Answers 202 at once; the items are graded in the background, each through the same cache as POST /v1/evaluations, with their state stored so that the batch resumes after a restart. The batch id is derived from the items: the same body again names the same batch and resumes it rather than starting another.",
  request: {
    query: z.object({
      concurrency: z.coerce.number().int().min(1).max(1024).optional().openapi({
        description: "Upstream calls this batch keeps in flight at once (default TICKBOX_UPSTREAM_CONCURRENCY); the server-wide upstream limit applies over all batches and requests.",
      }),
    }),
    body: {
      required: false,
      description: "The items to grade.",
      content: {
        "application/json": { schema: BatchItems },
        "application/x-ndjson": { schema: BatchItem },
      },
    },
  },
  responses: {
    202: { description: "The batch, accepted; its work runs in the background.", content: batchContent },
    ...commonErrors,
    ...notFound,
    ...notImplemented,
  },
});

/** Every checklist the items name must be the caller's: a 404 at the first item naming a missing one, before anything runs. */
async function requireChecklists(items: z.infer<typeof BatchItems>, judge: Judge, ctx: RequestContext): Promise<void> {
  const first = new Map<string, number>();
  items.forEach((item, i) => {
    if (item.checklist_id && !first.has(item.checklist_id)) first.set(item.checklist_id, i);
  });
  for (const [id, i] of first) await judge.checklistById(id, ctx, `/${i}/checklist_id`);
}

export const access: Access = { auth: "key", scopes: ["evaluate"], objects: { "/*/checklist_id": "checklist" }, spends: true, body: "batch" };

export function register(app: App) {
  return app.openapi(route, async (c) => {
    const batches = batchesOf(c);
    const { concurrency } = c.req.valid("query");
    const type = c.req.header("content-type") ?? "";
    const items = isJsonMediaType(type)
      ? (c.req.valid("json") as z.infer<typeof BatchItems>)
      : parseJsonLines(c.get("bodyText") ?? "", BatchItem, MAX_BATCH_ITEMS);
    await requireChecklists(items, c.get("services").judge, contextOf(c));
    return c.json(await batches.create(items, concurrency), 202);
  });
}
