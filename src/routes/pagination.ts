import { z } from "@hono/zod-openapi";
import { QueryInstant, QueryInt, maxChars } from "./schemas";
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
export function decodeCursor(list: string, cursor: string | undefined): Position | null {
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
export const pageQuery = {
  limit: QueryInt(1, 100).default(20).openapi({ description: "Items per page (1-100, default 20)." }),
  cursor: maxChars(z.string(), 300).optional().openapi({ description: "`next_cursor` of the previous page; absent for the first (newest) page." }),
  created_after: QueryInstant.optional().openapi({ description: "Only objects created at or after this time (ISO 8601; a date means its 00:00 UTC)." }),
  created_before: QueryInstant.optional().openapi({ description: "Only objects created before this time (ISO 8601)." }),
};

export const NextCursor = z.string().nullable().openapi({ description: "Pass as `cursor` for the next page; null on the last page." });

/** A list query's creation range, as the store takes it. */
export const createdRange = (query: { created_after?: number | undefined; created_before?: number | undefined }): CreatedRange => ({
  from: query.created_after,
  to: query.created_before,
});

/** The `next_cursor` of a page. */
export const nextCursor = (list: string, next: Position | null): string | null => (next ? encodeCursor(list, next) : null);

/** Stored creation times (seconds or milliseconds) as ISO 8601. */
export const isoFromSeconds = (seconds: number) => new Date(seconds * 1000).toISOString();

/**
 * A long text cut to its first PREVIEW_CHARS characters (code points, as the database's `substr`
 * counts them), with an ellipsis when it was longer: a cut never splits an emoji.
 */
export const previewOf = (text: string) => (fitsChars(text, PREVIEW_CHARS) ? text : `${clipText(text, PREVIEW_CHARS)}…`);
