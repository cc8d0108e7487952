import { createRoute } from "@hono/zod-openapi";
import type { Access } from "../../auth/access";
import type { App } from "../../env";
import { BatchId, batchByIdErrors, batchOk, batchesOf } from "./shapes";

export const route = createRoute({
  method: "get",
  path: "/v1/batches/{id}",
  tags: ["batches"],
  summary: "A batch's status, counts, throughput, ETA and running totals",
  request: { params: BatchId },
  responses: {
    ...batchOk,
    ...batchByIdErrors,
  },
});

export const access: Access = { auth: "key", scopes: ["evaluate"], objects: { path: "batch" }, spends: false };

export function register(app: App) {
  return app.openapi(route, async (c) => c.json(await batchesOf(c).view(c.req.valid("param").id), 200));
}
