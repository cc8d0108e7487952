import { createRoute, z } from "@hono/zod-openapi";
import type { Access } from "../../auth/access";
import type { App } from "../../env";
import { contextOf } from "../operation";
import { commonErrors, maxChars, problemResponse } from "../schemas";
import { KeyInfo, keyInfo } from "./schemas";

export const route = createRoute({
  method: "get",
  path: "/v1/keys",
  tags: ["keys"],
  summary: "List live API keys (admin scope: its tenant's; TICKBOX_ADMIN_KEY: every tenant's); secrets are never shown again",
  request: {
    query: z.object({
      tenant: maxChars(z.string().min(1), 200).optional().openapi({ description: "TICKBOX_ADMIN_KEY only: one tenant's keys." }),
    }),
  },
  responses: {
    200: { description: "The keys.", content: { "application/json": { schema: z.object({ keys: z.array(KeyInfo) }) } } },
    403: problemResponse("The key lacks the admin scope, or the server has no TICKBOX_ADMIN_KEY."),
    422: commonErrors[422],
    500: commonErrors[500],
  },
});

export const access: Access = { auth: "key", scopes: ["admin"], spends: false, adminKeyOnly: true };

export function register(app: App) {
  return app.openapi(route, async (c) => {
    const { principal } = contextOf(c);
    const tenant = principal.operator ? c.req.valid("query").tenant : principal.tenant;
    const rows = await c.get("services").keys.listLive(tenant);
    return c.json({ keys: rows.map(keyInfo) }, 200);
  });
}
