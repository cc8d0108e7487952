import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../env";
import { ProblemError } from "../../errors";
import { IdParam, commonErrors, notFound } from "../schemas";

export const route = createRoute({
  method: "delete",
  path: "/v1/keys/{id}",
  tags: ["keys"],
  summary: "Revoke an API key (admin); it stops working at once",
  request: { params: IdParam("key") },
  responses: { 204: { description: "Revoked." }, ...notFound, 500: commonErrors[500] },
});

export function register(app: App) {
  return app.openapi(route, async (c) => {
    const { id } = c.req.valid("param");
    if (!(await c.get("services").keys.revoke(id, Math.floor(Date.now() / 1000)))) {
      throw new ProblemError("not_found", `no live key with id ${id}`);
    }
    return c.body(null, 204);
  });
}
