import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../env";
import { commonErrors } from "../schemas";
import { KeyInfo, keyInfo } from "./schemas";

export const route = createRoute({
  method: "get",
  path: "/v1/keys",
  tags: ["keys"],
  summary: "List live API keys (admin); secrets are never shown again",
  responses: {
    200: { description: "The keys.", content: { "application/json": { schema: z.object({ keys: z.array(KeyInfo) }) } } },
    500: commonErrors[500],
  },
});

export function register(app: App) {
  return app.openapi(route, async (c) => {
    const rows = await c.get("services").keys.list();
    return c.json({ keys: rows.filter((r) => r.revokedAt === null).map(keyInfo) }, 200);
  });
}
