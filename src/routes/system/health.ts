import { createRoute, z } from "@hono/zod-openapi";
import type { Access } from "../../auth/access";
import type { App } from "../../env";

export const Status = z.object({ status: z.string() }).openapi("Status");

export const route = createRoute({
  method: "get",
  path: "/healthz",
  tags: ["operations"],
  summary: "Liveness: the process answers",
  responses: { 200: { description: "Alive.", content: { "application/json": { schema: Status } } } },
});

export const access: Access = { auth: "public" };

export function register(app: App) {
  return app.openapi(route, (c) => c.json({ status: "ok" }, 200));
}
