import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { inject } from "vitest";
import worker from "../../src/worker";
import { clientOver } from "../support/client";
import { remoteControl } from "../support/fake-control";
import { type ContractTarget, contractSuite } from "../contract/scenarios";

// Every instance is the Worker entry called with its own env object, which is what a new isolate
// (or a redeploy) sees: its own services, over the one D1 database.
const target: ContractTarget = {
  runtime: "workerd",
  instance: (vars) => {
    const bindings = { ...vars, DB: env.DB };
    return clientOver((request) => worker.fetch(request, bindings, createExecutionContext()));
  },
  rowCount: async (table, id) => {
    const row = await env.DB.prepare(`select count(*) as n from ${table} where id = ?`).bind(id).first<{ n: number }>();
    return row?.n ?? 0;
  },
  upstream: remoteControl(inject("upstreamUrl")),
};

contractSuite(() => target);
