import type { Access } from "../../auth/access";
import { batchOperation } from "./shapes";

export const access: Access = { auth: "key", scopes: ["evaluate"], objects: { path: "batch" }, spends: false };

export const { route, register } = batchOperation(
  {
    method: "post",
    path: "/v1/batches/{id}/cancel",
    summary: "Stop a batch: running items finish, pending ones stay pending",
    description: "Idempotent. The batch's status becomes cancelled; POST …/retry resumes it.",
  },
  (batches, id) => batches.cancel(id),
);
