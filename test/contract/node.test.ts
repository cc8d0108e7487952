import { afterAll, beforeAll } from "vitest";
import { count, eq } from "drizzle-orm";
import { createApp } from "../../src/app";
import { parseConfig } from "../../src/config";
import { buildServices } from "../../src/services";
import { checklists, evaluations } from "../../src/store/schema";
import { openSqlite } from "../../src/store/sqlite";
import { createSqlStores } from "../../src/store/sql-stores";
import { clientOver } from "../support/client";
import { localControl } from "../support/fake-control";
import { type FakeUpstream, startFakeUpstream } from "../support/fake-upstream";
import { type ContractTarget, contractSuite } from "./scenarios";
import { type BatchTarget, batchContract } from "./batches";
import { nodeBatchRun } from "../support/node-batch";

let fake: FakeUpstream;
let target: ContractTarget;
let batchTarget: BatchTarget;
const sqlite = openSqlite(":memory:");
beforeAll(async () => {
  fake = await startFakeUpstream();
  target = {
    runtime: "node",
    instance: (vars) => {
      const app = createApp(buildServices(parseConfig(vars), createSqlStores(sqlite)));
      return clientOver((request) => app.request(request));
    },
    rowCount: async (table, id) => {
      const t = table === "checklists" ? checklists : evaluations;
      const [row] = await sqlite.db.select({ n: count() }).from(t).where(eq(t.id, id));
      return row?.n ?? 0;
    },
    upstream: localControl(fake),
  };
  batchTarget = {
    runtime: "node",
    instance: (vars) => {
      const app = createApp(buildServices(parseConfig(vars), createSqlStores(sqlite), { background: true }));
      return clientOver((request) => app.request(request));
    },
    upstream: localControl(fake),
    nodeRun: () => nodeBatchRun(localControl(fake)),
  };
});
afterAll(async () => {
  await fake.close();
  sqlite.close();
});

contractSuite(() => target);
batchContract(() => batchTarget);
