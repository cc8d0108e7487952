import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { JSONParsed } from "hono/utils/types";
import type { App, AppEnv } from "../env";
import { contextOf } from "./operation";
import { QueryInstant, QueryInt, commonErrors, maxChars } from "./schemas";
import { ProblemError } from "../errors";
import { clipText, fitsChars } from "../text";
import { type CreatedRange, PREVIEW_CHARS, type Position } from "../store/list-records";

/**
 * A cursor names the list it belongs to and where its page ended. It is opaque to callers
 * (base64url of JSON): they pass `next_cursor` back as it came.
 */
function encodeCursor(list: string, position: Position): string {
  const text = JSON.stringify([list, position.createdAt, position.id]);
  return btoa(text).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** The position a cursor names; a 422 at `/cursor` for anything this list did not hand out. */
function decodeCursor(list: string, cursor: string | undefined): Position | null {
  if (cursor === undefined) return null;
  let value: unknown;
  try {
    value = JSON.parse(atob(cursor.replaceAll("-", "+").replaceAll("_", "/")));
  } catch {
    value = undefined;
  }
  if (!Array.isArray(value) || value.length !== 3 || value[0] !== list || !Number.isSafeInteger(value[1]) || typeof value[2] !== "string") {
    const message = "is not a cursor of this list: pass next_cursor from the previous page as it came";
    throw new ProblemError("validation_failed", `/cursor: ${message}`, [{ path: "/cursor", message }]);
  }
  return { createdAt: value[1], id: value[2] };
}

/** The query parameters every list takes. */
const pageQuery = {
  limit: QueryInt(1, 100).default(20).openapi({ description: "Items per page (1-100, default 20)." }),
  cursor: maxChars(z.string(), 300).optional().openapi({ description: "`next_cursor` of the previous page; absent for the first (newest) page." }),
  created_after: QueryInstant.optional().openapi({ description: "Only objects created at or after this time (ISO 8601; a date means its 00:00 UTC)." }),
  created_before: QueryInstant.optional().openapi({ description: "Only objects created before this time (ISO 8601)." }),
};

export const NextCursor = z.string().nullable().openapi({ description: "Pass as `cursor` for the next page; null on the last page." });

/** A list query's creation range, as the store takes it. */
const createdRange = (query: { created_after?: number | undefined; created_before?: number | undefined }): CreatedRange => ({
  from: query.created_after,
  to: query.created_before,
});

/** The `next_cursor` of a page. */
const nextCursor = (list: string, next: Position | null): string | null => (next ? encodeCursor(list, next) : null);

/** Stored creation times (seconds or milliseconds) as ISO 8601. */
export const isoFromSeconds = (seconds: number) => new Date(seconds * 1000).toISOString();

/**
 * A long text cut to its first PREVIEW_CHARS characters (code points, as the database's `substr`
 * counts them), with an ellipsis when it was longer: a cut never splits an emoji.
 */
export const previewOf = (text: string) => (fitsChars(text, PREVIEW_CHARS) ? text : `${clipText(text, PREVIEW_CHARS)}…`);

type PageQuery = z.output<z.ZodObject<typeof pageQuery>>;

/** What a list operation declares in its own file: where it is, what it filters by, what a page is. */
export interface ListDeclaration<F extends z.ZodRawShape, S extends z.ZodType> {
  path: string;
  tag: string;
  summary: string;
  description?: string;
  /** The list's name, which its cursors carry. */
  name: string;
  /** Query parameters beside the paging ones. */
  filters: F;
  /** The 200's description and schema: the page's items under the list's name, and `next_cursor`. */
  page: { description: string; schema: S };
  /** Answers it may give besides 200, 422 and 500. */
  errors?: Record<number, { description: string; content: Record<string, { schema: z.ZodType }> }>;
}

/** A page to read, as the store takes it, and the cursor of the page after it. */
export interface PageRequest {
  tenant: string;
  range: CreatedRange;
  after: Position | null;
  limit: number;
  cursorAfter: (next: Position | null) => string | null;
}

/**
 * The route and handler of `GET /v1/<list>`: the caller's tenant's objects a page at a time, newest
 * first, as `load` reads and shapes them. The operation's file keeps its declaration and access.
 */
// `load`'s answer is checked against the declared page schema as a handler's would be (see getById).
export function listOperation<F extends z.ZodRawShape, S extends z.ZodType, T>(
  declared: ListDeclaration<F, S>,
  load: (
    c: Context<AppEnv>,
    query: PageQuery & z.output<z.ZodObject<F>>,
    page: PageRequest,
  ) => Promise<T & (JSONParsed<T> extends z.output<S> ? unknown : never)>,
) {
  const route = createRoute({
    method: "get",
    path: declared.path,
    tags: [declared.tag],
    summary: declared.summary,
    ...(declared.description ? { description: declared.description } : {}),
    request: { query: z.object({ ...pageQuery, ...declared.filters }) },
    responses: {
      200: { description: declared.page.description, content: { "application/json": { schema: declared.page.schema } } },
      422: commonErrors[422],
      500: commonErrors[500],
      ...declared.errors,
    },
  });
  const register = (app: App) =>
    app.openapi(route, async (c) => {
      // The paging parameters, and the operation's own filters beside them.
      const query = c.req.valid("query") as PageQuery & z.output<z.ZodObject<F>>;
      const page: PageRequest = {
        tenant: contextOf(c).tenant,
        range: createdRange(query),
        after: decodeCursor(declared.name, query.cursor),
        limit: query.limit,
        cursorAfter: (next) => nextCursor(declared.name, next),
      };
      return c.json(await load(c, query, page), 200);
    });
  return { route, register };
}
