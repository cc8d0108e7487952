import { createRoute } from "@hono/zod-openapi";
import type { Access } from "../../auth/access";
import type { App } from "../../env";
import { BatchId, batchByIdErrors, batchOk, batchesOf } from "./shapes";

export const route = createRoute({
  method: "post",
  path: "/v1/batches/{id}/cancel",
  tags: ["batches"],
  summary: "Stop a batch: running items finish, pending ones stay pending",
  description: "Idempotent. The batch's status becomes cancelled; POST …/retry resumes it.",
  request: { params: BatchId },
  responses: {
    ...batchOk,
    ...batchByIdErrors,
  },
});

export const access: Access = { auth: "key", scopes: ["evaluate"], objects: { path: "batch" }, spends: false };

export function register(app: App) {
  return app.openapi(route, async (c) => c.json(await batchesOf(c).cancel(c.req.valid("param").id), 200));
}
