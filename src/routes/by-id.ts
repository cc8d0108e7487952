import { createRoute, type z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { JSONParsed } from "hono/utils/types";
import type { App, AppEnv } from "../env";
import { IdParam, commonErrors, notFound } from "./schemas";

/** What a GET-by-id operation declares in its own file: where it is, what it answers. */
export interface GetByIdDeclaration<P extends string, S extends z.ZodType> {
  path: P;
  tag: string;
  summary: string;
  /** The prefix of the resource's ids (`cl`, `ev`, `cb`), for the contract's example. */
  idPrefix: string;
  /** The 200's description and schema. */
  ok: { description: string; schema: S };
}

/**
 * The route and handler of `GET /v1/<resource>/{id}`: one object of the caller's tenant, as `load`
 * finds it, or the 404 `load` throws. The operation's file keeps its declaration and its access.
 */
// `load`'s answer is checked against the declared schema as a handler's would be: what does not
// fit (as JSON) makes its type `never`, so a mismatch fails to compile in the operation's file.
export function getById<P extends string, S extends z.ZodType, T>(
  declared: GetByIdDeclaration<P, S>,
  load: (id: string, c: Context<AppEnv>) => Promise<T & (JSONParsed<T> extends z.output<S> ? unknown : never)>,
) {
  const route = createRoute({
    method: "get",
    path: declared.path,
    tags: [declared.tag],
    summary: declared.summary,
    request: { params: IdParam(declared.idPrefix) },
    responses: {
      200: { description: declared.ok.description, content: { "application/json": { schema: declared.ok.schema } } },
      ...notFound,
      500: commonErrors[500],
    },
  });
  const register = (app: App) => app.openapi(route, async (c) => c.json(await load(c.req.valid("param").id, c), 200));
  return { route, register };
}
