// The batch contract, written once and run under Node (this process's workers over SQLite;
// test/contract/node.test.ts) and inside workerd (queue consumers over D1; test/worker/batches.test.ts).
// Runtime-neutral: no Node imports.
import { beforeEach, describe, expect, it } from "vitest";
import type { Client, Reply } from "../support/client";
import { type NodeBatchRun, settled } from "./settle";
import type { UpstreamControl } from "../support/fake-control";
import { expectProblem } from "../support/problems";
import { upstreamVars } from "../support/upstream-vars";
import { CONTRACT_BATCH_ITEMS, CONTRACT_BATCH_SCRIPT } from "./fixtures";

export interface BatchTarget {
  runtime: "node" | "workerd";
  /** A new instance of the service that works on batches (this process on Node, the queue on Workers). */
  instance(vars: Record<string, string>): Client;
  upstream: UpstreamControl;
  /** The contract batch graded by a Node process on its own database, against the same fake upstream. */
  nodeRun(): Promise<NodeBatchRun>;
}

const ADMIN = "contract-admin-key-0123456789";
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

let counter = 0;
/** Items no earlier test sent: each a cache miss, and a batch of its own. */
export const freshItems = (n: number, label = "batch") => {
  const run = `${Date.now().toString(36)}-${++counter}`;
  return Array.from({ length: n }, (_, i) => ({
    instruction: "Reply to the customer in one sentence.",
    response: `${label} ${run} reply ${i}: we ship tomorrow.`,
    checklist: { items: [{ question: "Is it one sentence?" }, { question: "Does it say when it ships?" }] },
  }));
};

const gradings = async (upstream: UpstreamControl) => (await upstream.calls()).filter((c) => c.kind === "grading").length;

/** Registers the batch contract for a target (a getter, since the target is built in beforeAll). */
export function batchContract(get: () => BatchTarget) {
  let t: BatchTarget;
  let vars: Record<string, string>;
  beforeEach(async () => {
    t = get();
    vars = upstreamVars(t.upstream.baseUrl);
    await t.upstream.reset();
  });

  describe("batches", () => {
    it("completes a batch with the results, counts and summary a Node process of its own gives", async () => {
      const reference = await t.nodeRun();
      await t.upstream.script(CONTRACT_BATCH_SCRIPT);
      const one = t.instance(vars);
      const created = await one.post("/v1/batches?concurrency=3", CONTRACT_BATCH_ITEMS);
      expect(created.status).toBe(202);
      expect(created.json.id).toBe(reference.view.id);
      // The event stream ends once the batch does, whichever process or consumer grades it.
      const events = (await one.get(`/v1/batches/${created.json.id}/events`)).text;
      const last = [...events.matchAll(/event: (\w+)\ndata: (.*)\n/g)].at(-1)!;
      expect(last[1]).toBe("end");
      expect(JSON.parse(last[2]!).status).toBe("completed");
      const view = await settled(one, created.json.id);
      const { status, total, counts, summary } = reference.view;
      expect({ status: view.status, total: view.total, counts: view.counts, summary: view.summary }).toEqual({ status, total, counts, summary });
      expect((await one.get(`/v1/batches/${created.json.id}/results`)).text).toBe(reference.results);
      expect(await gradings(t.upstream)).toBe(CONTRACT_BATCH_ITEMS.length);
    });

    it("keeps as many upstream calls in flight as the batch's concurrency, and no more", async () => {
      await t.upstream.script({ latencyMs: 60 });
      const one = t.instance(vars);
      const created = await one.post("/v1/batches?concurrency=3", freshItems(15, "concurrency"));
      const done = await settled(one, created.json.id);
      expect(done.counts).toEqual({ pending: 0, running: 0, done: 15, failed: 0 });
      expect(await t.upstream.maxInFlight()).toBe(3);
    });

    it("records an item the upstream refuses for the request's sake with its problem, and retries only the failed", async () => {
      // A 4xx is about the request: the item's own failure, recorded at once (an outage is not).
      await t.upstream.script({ faults: [{ kind: "status", status: 401 }] });
      const one = t.instance(vars);
      const created = await one.post("/v1/batches?concurrency=1", freshItems(4, "refused"));
      const done = await settled(one, created.json.id);
      expect(done).toMatchObject({ status: "completed", counts: { done: 3, failed: 1 } });
      const lines = (await one.get(`/v1/batches/${created.json.id}/results`)).text
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      const failed = lines.filter((l) => l.problem);
      expect(failed).toHaveLength(1);
      expect(failed[0].problem).toMatchObject({ code: "upstream_error", status: 502 });
      expect(failed[0].evaluation).toBeUndefined();
      const callsBefore = (await t.upstream.calls()).length;
      expect((await one.post(`/v1/batches/${created.json.id}/retry`, undefined)).status).toBe(200);
      const after = await settled(one, created.json.id);
      expect(after).toMatchObject({ status: "completed", counts: { done: 4, failed: 0 } });
      expect((await t.upstream.calls()).length - callsBefore).toBe(1);
      // Nothing failed is left: a retry completes it again at once, calling nothing.
      expect((await one.post(`/v1/batches/${created.json.id}/retry`, undefined)).status).toBe(200);
      expect(await settled(one, created.json.id)).toMatchObject({ status: "completed", counts: { done: 4, failed: 0 } });
      expect((await t.upstream.calls()).length - callsBefore).toBe(1);
    });

    it("cancels: items in hand finish, pending ones stay pending, and retry finishes the rest, no item graded twice", async () => {
      await t.upstream.script({ latencyMs: 60 });
      const one = t.instance(vars);
      const items = freshItems(20, "cancel");
      const created = await one.post("/v1/batches?concurrency=2", items);
      await new Promise((r) => setTimeout(r, 100));
      const cancelled = await one.post(`/v1/batches/${created.json.id}/cancel`, undefined);
      expect(cancelled.json.status).toBe("cancelled");
      const stopped = await settled(one, created.json.id);
      expect(stopped.status).toBe("cancelled");
      expect(stopped.counts.pending).toBeGreaterThan(0);
      // Nothing more is graded while it stays cancelled.
      await new Promise((r) => setTimeout(r, 300));
      expect((await one.get(`/v1/batches/${created.json.id}`)).json.counts).toEqual(stopped.counts);
      await one.post(`/v1/batches/${created.json.id}/retry`, undefined);
      const done = await settled(one, created.json.id);
      expect(done).toMatchObject({ status: "completed", counts: { done: 20, failed: 0, pending: 0 } });
      expect(await gradings(t.upstream)).toBe(20);
    });

    it("hides another tenant's batch behind 404 on every batch route", async () => {
      const admin = t.instance({ ...vars, TICKBOX_ADMIN_KEY: ADMIN });
      const key = async (name: string, tenant: string) =>
        (await admin.post("/v1/keys", { name, tenant, scopes: ["evaluate"] }, bearer(ADMIN))).json.key as string;
      const [alice, bob] = [await key("alice", `acme-${++counter}`), await key("bob", `globex-${++counter}`)];
      const created = await admin.post("/v1/batches", freshItems(2, "tenancy"), bearer(alice));
      expect(created.status).toBe(202);
      const id = created.json.id;
      const attempts: [string, string][] = [
        ["GET", `/v1/batches/${id}`],
        ["GET", `/v1/batches/${id}/results`],
        ["GET", `/v1/batches/${id}/events`],
        ["GET", `/v1/batches/${id}/items`],
        ["GET", `/v1/batches/${id}/report`],
        ["POST", `/v1/batches/${id}/cancel`],
        ["POST", `/v1/batches/${id}/retry`],
      ];
      for (const [method, path] of attempts) {
        const other: Reply = await admin.send(method, path, undefined, bearer(bob));
        expectProblem(other, 404, "not_found");
      }
      expect((await settled(admin, id, bearer(alice))).counts.done).toBe(2);
    });
  });
}
