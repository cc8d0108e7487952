// What one item costs on the Workers build, counted on the bindings themselves: D1 queries and rows,
// queue messages, Durable Object calls, upstream calls. The figures docs/cloudflare.md's costs are computed
// from (printed as COSTS), and the bound wrangler.toml's max_batch_size rests on: a delivery of that
// many items stays within the subrequests one invocation may make.
import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import wranglerToml from "../../wrangler.toml?raw";
import { remoteControl } from "../support/fake-control";
import { upstreamVars } from "../support/upstream-vars";
import { freshItems } from "../contract/batches";
import { settled } from "../contract/settle";
import { bindingsWith, capturingQueue, deliver, delivery, workerClient } from "./bindings";

const upstream = remoteControl(inject("upstreamUrl"));
const maxBatchSize = Number(/queue = "tickbox-batches"\s*\n(?:#.*\n|\s*\n)*max_batch_size = (\d+)/.exec(wranglerToml)![1]);
/** Subrequests a Worker invocation may make on the Paid plan (Cloudflare's published limit). */
const SUBREQUESTS_PER_INVOCATION = 1_000;

interface Tally {
  queries: number;
  rowsRead: number;
  rowsWritten: number;
  objectCalls: number;
}

const tally = (): Tally => ({ queries: 0, rowsRead: 0, rowsWritten: 0, objectCalls: 0 });

/** A D1 database that counts its queries and the rows they read and wrote (from each result's meta). */
function meteredD1(db: D1Database, t: Tally): D1Database {
  const count = (meta: D1Meta | undefined) => {
    t.rowsRead += meta?.rows_read ?? 0;
    t.rowsWritten += meta?.rows_written ?? 0;
  };
  const statement = (s: D1PreparedStatement): D1PreparedStatement =>
    new Proxy(s, {
      get(target, name) {
        if (name === "bind") return (...values: unknown[]) => statement(target.bind(...values));
        if (name === "run" || name === "all") {
          return async () => {
            t.queries++;
            const result = await target.all();
            count(result.meta);
            return result;
          };
        }
        // `raw` gives no meta: the same query through `all`, its rows as arrays in column order.
        if (name === "raw") {
          return async (options?: { columnNames?: boolean }) => {
            t.queries++;
            const result = await target.all<Record<string, unknown>>();
            count(result.meta);
            const rows = result.results.map((row) => Object.values(row));
            return options?.columnNames ? [Object.keys(result.results[0] ?? {}), ...rows] : rows;
          };
        }
        if (name === "first") {
          return async (column?: string) => {
            t.queries++;
            const result = await target.all<Record<string, unknown>>();
            count(result.meta);
            const row = result.results[0] ?? null;
            return column ? (row?.[column] ?? null) : row;
          };
        }
        const value = Reflect.get(target, name);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  return new Proxy(db, {
    get(target, name) {
      if (name === "prepare") return (sql: string) => statement(target.prepare(sql));
      if (name === "batch") {
        return async (statements: D1PreparedStatement[]) => {
          t.queries++;
          const results = await target.batch(statements.map((s) => (s as unknown as { __unwrap?: D1PreparedStatement }).__unwrap ?? s));
          for (const r of results) count(r.meta);
          return results;
        };
      }
      const value = Reflect.get(target, name);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** A Durable Object namespace whose stubs count the calls made on them. */
function meteredObjects<T extends Rpc.DurableObjectBranded>(namespace: DurableObjectNamespace<T>, t: Tally): DurableObjectNamespace<T> {
  return new Proxy(namespace, {
    get(target, name) {
      if (name === "get") {
        return (id: DurableObjectId) =>
          new Proxy(target.get(id), {
            get(stub, method) {
              if (typeof method !== "string" || method === "then") return Reflect.get(stub, method);
              return (...args: unknown[]) => {
                t.objectCalls++;
                return (stub as unknown as Record<string, (...a: unknown[]) => unknown>)[method]!(...args);
              };
            },
          });
      }
      const value = Reflect.get(target, name);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

describe("what an item costs", () => {
  it("counts one delivery of a full batch of messages, and keeps it within an invocation's subrequests", async () => {
    await upstream.reset();
    const admin = "costs-admin-key-0123456789";
    const intake = tally();
    const work = tally();
    const queue = capturingQueue();
    const metered = (t: Tally) => ({
      ...bindingsWith({ ...upstreamVars(upstream.baseUrl), TICKBOX_ADMIN_KEY: admin }),
      DB: meteredD1(env.DB, t),
      KEY_LIMITS: meteredObjects(env.KEY_LIMITS, t),
      BATCH_GATES: meteredObjects(env.BATCH_GATES, t),
      BATCH_QUEUE: queue,
    });
    const setup = workerClient(bindingsWith({ ...upstreamVars(upstream.baseUrl), TICKBOX_ADMIN_KEY: admin }));
    // A key with a budget: every upstream call then reserves and settles with its KeyLimits object.
    const key = (await setup.post("/v1/keys", { name: "costs", scopes: ["evaluate"], daily_token_budget: 10_000_000 }, { authorization: `Bearer ${admin}` }))
      .json;
    const n = maxBatchSize;
    const api = workerClient(metered(intake));
    const created = await api.post("/v1/batches?concurrency=8", freshItems(n, "costs"), { authorization: `Bearer ${key.key}` });
    expect(created.status).toBe(202);
    const consumer = metered(work);
    await deliver(
      consumer,
      queue.take().map((m) => delivery(m.body)),
    );
    const itemMessages = queue.take();
    expect(itemMessages).toHaveLength(n);
    const sendsBefore = queue.sent.length;
    await deliver(
      consumer,
      itemMessages.map((m) => delivery(m.body)),
    );
    expect(queue.sent.length).toBe(sendsBefore);
    expect((await settled(setup, created.json.id, { authorization: `Bearer ${key.key}` })).counts.done).toBe(n);
    const upstreamCalls = (await upstream.calls()).length;
    // Subrequests of the delivery of n items: D1 queries, Durable Object calls, upstream fetches.
    const subrequests = work.queries + work.objectCalls + upstreamCalls;
    const perItem = (x: number) => Math.round((x / n) * 100) / 100;
    console.log(
      `COSTS per item (a batch of ${n}, a key with a budget): intake ${perItem(intake.queries)} D1 queries, ${perItem(intake.rowsWritten)} rows written, ${perItem(intake.rowsRead)} rows read; ` +
        `grading ${perItem(work.queries)} D1 queries, ${perItem(work.rowsWritten)} rows written, ${perItem(work.rowsRead)} rows read, ${perItem(work.objectCalls)} Durable Object calls, ` +
        `${perItem(upstreamCalls)} upstream calls; queue messages ${perItem(itemMessages.length + 1)}; one delivery of ${n}: ${subrequests} subrequests`,
    );
    expect(subrequests).toBeLessThan(SUBREQUESTS_PER_INVOCATION);
  });
});
