import { createRoute } from "@hono/zod-openapi";
import type { Access } from "../../auth/access";
import type { App } from "../../env";
import { ProblemError } from "../../errors";
import { contextOf } from "../operation";
import { IdParam, commonErrors, notFound, problemResponse } from "../schemas";

export const route = createRoute({
  method: "delete",
  path: "/v1/keys/{id}",
  tags: ["keys"],
  summary: "Revoke an API key (admin scope: in its tenant; TICKBOX_ADMIN_KEY: any); it stops working at once, and its batches stop",
  request: { params: IdParam("key") },
  responses: {
    204: { description: "Revoked." },
    403: problemResponse("The key lacks the admin scope, or the server has no TICKBOX_ADMIN_KEY."),
    ...notFound,
    500: commonErrors[500],
  },
});

export const access: Access = { auth: "key", scopes: ["admin"], objects: { path: "key" }, spends: false, adminKeyOnly: true };

export function register(app: App) {
  return app.openapi(route, async (c) => {
    const { id } = c.req.valid("param");
    const { principal } = contextOf(c);
    // Another tenant's key is not found, as any other tenant's object is.
    const revoked = await c.get("services").keys.revoke(id, Math.floor(Date.now() / 1000), principal.operator ? undefined : principal.tenant);
    if (!revoked) throw new ProblemError("not_found", `no live key with id ${id}`);
    return c.body(null, 204);
  });
}
