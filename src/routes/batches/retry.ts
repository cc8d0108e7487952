import type { Access } from "../../auth/access";
import { batchOperation } from "./shapes";

export const access: Access = { auth: "key", scopes: ["evaluate"], objects: { path: "batch" }, spends: true };

export const { route, register } = batchOperation(
  {
    method: "post",
    path: "/v1/batches/{id}/retry",
    summary: "Grade the failed items again",
    description:
      "The failed items go back to pending and the batch runs again (a cancelled batch resumes its pending items too). Items that succeeded are not touched.",
  },
  (batches, id) => batches.retry(id),
);
