import { createRoute, z } from "@hono/zod-openapi";
import type { Access } from "../../auth/access";
import type { App } from "../../env";
import { ProblemError } from "../../errors";
import { DOCS_SCRIPT_PATH } from "./docs";

export const route = createRoute({
  method: "get",
  path: DOCS_SCRIPT_PATH,
  hide: true,
  summary: "The API reference's browser script, served by this service so that /docs works offline",
  responses: { 200: { description: "JavaScript.", content: { "text/javascript": { schema: z.string() } } } },
});

export const access: Access = { auth: "public" };

export function register(app: App) {
  app.get(DOCS_SCRIPT_PATH, async (c) => {
    const load = c.get("services").docsScript;
    if (!load) throw new ProblemError("not_implemented", "this deployment was built without the API reference's script");
    return c.body(await load(), 200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "public, max-age=86400" });
  });
}
