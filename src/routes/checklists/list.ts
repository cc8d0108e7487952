import { z } from "@hono/zod-openapi";
import type { Access } from "../../auth/access";
import { NextCursor, isoFromSeconds, listOperation, previewOf } from "../pagination";
import { Item } from "../schemas";

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

/** Reads the caller's own objects only; lists what its key's scope may read. */
export const access: Access = { auth: "key", scopes: ["evaluate"], spends: false };

export const { route, register } = listOperation(
  {
    path: "/v1/checklists",
    tag: "checklists",
    summary: "List checklists, newest first",
    name: LIST,
    filters: { source: z.enum(["generated", "provided"]).optional().openapi({ description: "Only generated checklists, or only callers' own." }) },
    page: { description: "A page of checklists.", schema: z.object({ checklists: z.array(ChecklistSummary), next_cursor: NextCursor }) },
  },
  async (c, query, page) => {
    const found = await c.get("services").listings.checklists(page.tenant, { ...page.range, source: query.source }, page.after, page.limit);
    const checklists = found.rows.map((row) => ({
      id: row.id,
      instruction_preview: previewOf(row.instruction),
      items: row.items,
      source: row.source,
      model: row.model ?? null,
      prompt_version: row.promptVersion ?? null,
      created_at: isoFromSeconds(row.createdAt),
    }));
    return { checklists, next_cursor: page.cursorAfter(found.next) };
  },
);
