import { createRoute } from "@hono/zod-openapi";
import type { Access } from "../../auth/access";
import type { App } from "../../env";
import { BatchId, batchByIdErrors, batchOk, batchesOf } from "./shapes";

export const route = createRoute({
  method: "post",
  path: "/v1/batches/{id}/retry",
  tags: ["batches"],
  summary: "Grade the failed items again",
  description: "The failed items go back to pending and the batch runs again (a cancelled batch resumes its pending items too). Items that succeeded are not touched.",
  request: { params: BatchId },
  responses: {
    ...batchOk,
    ...batchByIdErrors,
  },
});

export const access: Access = { auth: "key", scopes: ["evaluate"], objects: { path: "batch" }, spends: true };

export function register(app: App) {
  return app.openapi(route, async (c) => c.json(await batchesOf(c).retry(c.req.valid("param").id), 200));
}
