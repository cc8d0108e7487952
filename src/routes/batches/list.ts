import { z } from "@hono/zod-openapi";
import type { Access } from "../../auth/access";
import { NextCursor, listOperation } from "../pagination";
import { notImplemented } from "../schemas";
import { Batch, batchesOf } from "./shapes";

const LIST = "batches";

/** Reads the caller's own objects only; lists what its key's scope may read. */
export const access: Access = { auth: "key", scopes: ["evaluate"], spends: false };

export const { route, register } = listOperation(
  {
    path: "/v1/batches",
    tag: "batches",
    summary: "List batches, newest first",
    description: "Each batch as GET /v1/batches/{id} gives it: status, counts, throughput and running totals.",
    name: LIST,
    filters: { status: z.enum(["running", "cancelled", "completed"]).optional().openapi({ description: "Only batches in this state." }) },
    page: { description: "A page of batches.", schema: z.object({ batches: z.array(Batch), next_cursor: NextCursor }) },
    errors: notImplemented,
  },
  async (c, query, page) => {
    const batches = batchesOf(c);
    const found = await c.get("services").listings.batches(page.tenant, { ...page.range, status: query.status }, page.after, page.limit);
    const views = await Promise.all(found.rows.map((row) => batches.view(row.id)));
    return { batches: views, next_cursor: page.cursorAfter(found.next) };
  },
);
