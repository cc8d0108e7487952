import { createRoute, z } from "@hono/zod-openapi";
import type { Access } from "../../auth/access";
import type { BatchItemInput } from "../../batches/service";
import type { RequestContext } from "../../context";
import { MAX_BATCH_ITEMS } from "../../config";
import type { App } from "../../env";
import { batchItems } from "../../batches/json-lines";
import type { Judge } from "../../judge/judge";
import { contextOf } from "../operation";
import { JSON_LINES_TYPES, isJsonLinesMediaType, requestHeader, streamBody } from "../../middleware/body";
import { QueryInt, commonErrors, notFound, notImplemented } from "../schemas";
import { BatchItem, batchContent, batchesOf } from "./shapes";

const itemRef = { $ref: "#/components/schemas/BatchItem" };

export const route = createRoute({
  method: "post",
  path: "/v1/batches",
  tags: ["batches"],
  summary: "Grade many responses in the background",
  description: `The body is a JSON array of evaluation requests, or JSON Lines (\`application/x-ndjson\`, one request per line), up to ${MAX_BATCH_ITEMS.toLocaleString("en-US")} items and TICKBOX_MAX_BATCH_BODY_BYTES. It is read as a stream, item by item, each checked as a request of its own would be (TICKBOX_MAX_BODY_BYTES at most), so a large body takes little memory. Answers 202 at once; the items are graded in the background, each through the same cache as POST /v1/evaluations, with their state stored so that the batch resumes after a restart. The batch id is derived from the items: the same body again names the same batch and resumes it rather than starting another.`,
  request: {
    query: z.object({
      concurrency: QueryInt(1, 1024).optional().openapi({
        description:
          "Upstream calls this batch keeps in flight at once (default TICKBOX_UPSTREAM_CONCURRENCY); the server-wide upstream limit applies over all batches and requests.",
      }),
    }),
    // Plain schemas rather than zod ones: the body is streamed by the handler, not parsed whole.
    body: {
      required: false,
      description: "The items to grade.",
      content: {
        "application/json": { schema: { type: "array", items: itemRef, minItems: 1, maxItems: MAX_BATCH_ITEMS } },
        ...Object.fromEntries(JSON_LINES_TYPES.map((type) => [type, { schema: itemRef }])),
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

/**
 * The items as they stream past, each checklist they name checked to be the caller's as it first
 * appears, and each judge they name to be one the server grades with: a 404 or 400 at the first item
 * that fails, before the batch exists (the items stored so far are dropped with it).
 */
async function* checkedItems(items: AsyncIterable<BatchItemInput>, judge: Judge, ctx: RequestContext): AsyncGenerator<BatchItemInput> {
  const seen = new Set<string>();
  let i = 0;
  for await (const item of items) {
    judge.judgeNamed(item.judge, `/${i}/judge`);
    if (item.checklist_id && !seen.has(item.checklist_id)) {
      await judge.checklistById(item.checklist_id, ctx, `/${i}/checklist_id`);
      seen.add(item.checklist_id);
    }
    i++;
    yield item;
  }
}

export const access: Access = { auth: "key", scopes: ["evaluate"], objects: { "/*/checklist_id": "checklist" }, spends: true, body: "batch" };

export function register(app: App) {
  app.openAPIRegistry.register("BatchItem", BatchItem);
  return app.openapi(route, async (c) => {
    const batches = batchesOf(c);
    const { concurrency } = c.req.valid("query");
    const { limits, judge } = c.get("services");
    const format = isJsonLinesMediaType(requestHeader(c, "content-type") ?? "") ? "jsonl" : "json";
    const items = batchItems(streamBody(c), format, { schema: BatchItem, limits, maxItems: MAX_BATCH_ITEMS, maxItemBytes: limits.maxBodyBytes });
    return c.json(await batches.create(checkedItems(items, judge, contextOf(c)), concurrency), 202);
  });
}
