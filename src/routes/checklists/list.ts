import { createRoute, z } from "@hono/zod-openapi";
import type { Access } from "../../auth/access";
import type { App } from "../../env";
import { NextCursor, createdRange, decodeCursor, isoFromSeconds, nextCursor, pageQuery, previewOf } from "../pagination";
import { Item, commonErrors } from "../schemas";
import { contextOf } from "../operation";

const LIST = "checklists";

export const ChecklistSummary = z
  .object({
    id: z.string(),
    instruction_preview: z.string(),
    items: z.array(Item),
    source: z.enum(["generated", "provided"]),
    model: z.string().nullable(),
    prompt_version: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi("ChecklistSummary", { description: "A checklist as lists show it: its items, and the start of its instruction." });

export const route = createRoute({
  method: "get",
  path: "/v1/checklists",
  tags: ["checklists"],
  summary: "List checklists, newest first",
  request: {
    query: z.object({
      ...pageQuery,
      source: z.enum(["generated", "provided"]).optional().openapi({ description: "Only generated checklists, or only callers' own." }),
    }),
  },
  responses: {
    200: {
      description: "A page of checklists.",
      content: { "application/json": { schema: z.object({ checklists: z.array(ChecklistSummary), next_cursor: NextCursor }) } },
    },
    422: commonErrors[422],
    500: commonErrors[500],
  },
});

/** Reads the caller's own objects only; lists what its key's scope may read. */
export const access: Access = { auth: "key", scopes: ["evaluate"], spends: false };

export function register(app: App) {
  return app.openapi(route, async (c) => {
    const { tenant } = contextOf(c);
    const query = c.req.valid("query");
    const page = await c
      .get("services")
      .listings.checklists(tenant, { ...createdRange(query), source: query.source }, decodeCursor(LIST, query.cursor), query.limit);
    const checklists = page.rows.map((row) => ({
      id: row.id,
      instruction_preview: previewOf(row.instruction),
      items: row.items,
      source: row.source,
      model: row.model ?? null,
      prompt_version: row.promptVersion ?? null,
      created_at: isoFromSeconds(row.createdAt),
    }));
    return c.json({ checklists, next_cursor: nextCursor(LIST, page.next) }, 200);
  });
}
