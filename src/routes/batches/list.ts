import { createRoute, z } from "@hono/zod-openapi";
import type { Access } from "../../auth/access";
import type { App } from "../../env";
import { NextCursor, createdRange, decodeCursor, nextCursor, pageQuery } from "../pagination";
import { commonErrors, notImplemented } from "../schemas";
import { contextOf } from "../operation";
import { Batch, batchesOf } from "./shapes";

const LIST = "batches";

export const route = createRoute({
  method: "get",
  path: "/v1/batches",
  tags: ["batches"],
  summary: "List batches, newest first",
  description: "Each batch as GET /v1/batches/{id} gives it: status, counts, throughput and running totals.",
  request: {
    query: z.object({
      ...pageQuery,
      status: z.enum(["running", "cancelled", "completed"]).optional().openapi({ description: "Only batches in this state." }),
    }),
  },
  responses: {
    200: {
      description: "A page of batches.",
      content: { "application/json": { schema: z.object({ batches: z.array(Batch), next_cursor: NextCursor }) } },
    },
    422: commonErrors[422],
    500: commonErrors[500],
    ...notImplemented,
  },
});

/** Reads the caller's own objects only; lists what its key's scope may read. */
export const access: Access = { auth: "key", scopes: ["evaluate"], spends: false };

export function register(app: App) {
  return app.openapi(route, async (c) => {
    const batches = batchesOf(c);
    const { tenant } = contextOf(c);
    const query = c.req.valid("query");
    const page = await c
      .get("services")
      .listings.batches(tenant, { ...createdRange(query), status: query.status }, decodeCursor(LIST, query.cursor), query.limit);
    const views = await Promise.all(page.rows.map((row) => batches.view(row.id)));
    return c.json({ batches: views, next_cursor: nextCursor(LIST, page.next) }, 200);
  });
}
