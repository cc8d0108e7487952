import { createRoute } from "@hono/zod-openapi";
import type { Access } from "../../auth/access";
import type { App } from "../../env";
import { ProblemError } from "../../errors";
import { errorFields } from "../../log";
import { problemResponse } from "../schemas";
import { Status } from "./health";

export const route = createRoute({
  method: "get",
  path: "/readyz",
  tags: ["operations"],
  summary: "Readiness: the database answers a query",
  responses: {
    200: { description: "Ready.", content: { "application/json": { schema: Status } } },
    503: problemResponse("The database did not answer (`not_ready`)."),
  },
});

export const access: Access = { auth: "public" };

export function register(app: App) {
  return app.openapi(route, async (c) => {
    const { store, log } = c.get("services");
    try {
      await store.ping();
    } catch (error) {
      log.error({ request_id: c.get("requestId"), ...errorFields(error) }, "readiness check failed");
      throw new ProblemError("not_ready", "the database did not answer a query");
    }
    return c.json({ status: "ready" }, 200);
  });
}
