import type { Access } from "../../auth/access";
import { batchOperation } from "./shapes";

export const access: Access = { auth: "key", scopes: ["evaluate"], objects: { path: "batch" }, spends: false };

export const { route, register } = batchOperation(
  { method: "get", path: "/v1/batches/{id}", summary: "A batch's status, counts, throughput, ETA and running totals" },
  (batches, id) => batches.view(id),
);
