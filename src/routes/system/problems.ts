import { createRoute, z } from "@hono/zod-openapi";
import type { Access } from "../../auth/access";
import type { App } from "../../env";
import { type ProblemCode, problemCatalog } from "../../errors";

export const route = createRoute({
  method: "get",
  path: "/problems/{code}",
  hide: true,
  summary: "What a problem type means: its code, status and title",
  responses: { 200: { description: "The catalog entry.", content: { "application/json": { schema: z.object({ code: z.string() }) } } } },
});

export const access: Access = { auth: "public" };

export function register(app: App) {
  app.get("/problems/:code", (c) => {
    const code = c.req.param("code");
    if (!Object.hasOwn(problemCatalog, code)) return c.notFound();
    const { status, title } = problemCatalog[code as ProblemCode];
    return c.json({ code, status, title });
  });
}
