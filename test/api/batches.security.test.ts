// Batches run under the key that made them, re-checked item by item: revoking the key stops the
// batch (cancelled, with a reason, its items left pending); the items it ran are booked to it.
import { describe, expect, it } from "vitest";
import { BatchHalt, BatchService } from "../../src/batches/service";
import type { EvaluationView } from "../../src/judge/judge";
import { createBatchStore } from "../../src/store/batch-store";
import { openSqlite } from "../../src/store/sqlite";
import { ADMIN_KEY, bearer, useFakeUpstream } from "../support/file-fake";
import { makeApp, upstreamEnv } from "../support/harness";
import { fresh, makeKey, usageOf } from "../support/tenants";

const fake = useFakeUpstream();

const checklist = { items: [{ question: "Does it answer?" }, { question: "Is it polite?" }] };
const item = () => ({ instruction: "Answer the customer.", response: fresh("Shipped"), checklist });

describe("a key revoked while its batch runs", () => {
  it("stops the batch: cancelled with a reason, the rest left pending, nothing more booked to the key", async () => {
    const t = makeApp({ ...upstreamEnv(fake), TICKBOX_ADMIN_KEY: ADMIN_KEY }, { background: true });
    const owner = await makeKey(t, { name: "owner", tenant: "acme", scopes: ["evaluate"] });
    const colleague = await makeKey(t, { name: "colleague", tenant: "acme", scopes: ["evaluate"] });
    fake.latencyMs = 25;
    const created = await t.post("/v1/batches?concurrency=2", Array.from({ length: 80 }, item), bearer(owner.key));
    expect(created.status).toBe(202);
    const id = created.json.id;
    while ((await t.services.batches!.view(id)).counts.done < 6) await new Promise((r) => setTimeout(r, 10));
    expect((await t.send("DELETE", `/v1/keys/${owner.id}`, undefined, bearer(ADMIN_KEY))).status).toBe(204);
    const callsAtRevocation = fake.calls.length;
    await t.services.batches!.idle(id);

    const batch = (await t.send("GET", `/v1/batches/${id}`, undefined, bearer(colleague.key))).json;
    expect(batch.status).toBe("cancelled");
    expect(batch.status_reason).toContain(`(${owner.id}) was revoked`);
    expect(batch.counts.failed).toBe(0);
    expect(batch.counts.running).toBe(0);
    expect(batch.counts.pending).toBeGreaterThan(40);
    expect(batch.counts.done + batch.counts.pending).toBe(80);
    // Only calls already sent when the key was revoked reach the upstream: at most one a slot.
    expect(fake.calls.length - callsAtRevocation).toBeLessThanOrEqual(2);
    expect(batch.counts.done).toBe(fake.calls.length);

    // Its usage is the owner's, as the operator sees it, and matches what the upstream billed.
    const billed = fake.calls.reduce((n, c) => n + c.usage!.prompt_tokens + c.usage!.completion_tokens, 0);
    const usage = (await t.send("GET", `/v1/usage?key_id=${owner.id}`, undefined, bearer(ADMIN_KEY))).json.usage[0];
    expect(usage.prompt_tokens + usage.completion_tokens).toBe(billed);
    expect((await usageOf(t, colleague)).upstream_calls).toBe(0);

    // A colleague's retry does not adopt the batch: it runs as its maker or not at all.
    const before = fake.calls.length;
    expect((await t.post(`/v1/batches/${id}/retry`, undefined, bearer(colleague.key))).status).toBe(200);
    await t.services.batches!.idle(id);
    expect(fake.calls.length).toBe(before);
    expect((await t.services.batches!.view(id)).status).toBe("cancelled");
    await t.services.batches!.stop();
  });
});

describe("a key revoked while its batch's calls wait for a slot", () => {
  it("sends none of them: each call is checked against the key when its turn comes, not only when its item starts", async () => {
    const t = makeApp({ ...upstreamEnv(fake), TICKBOX_ADMIN_KEY: ADMIN_KEY }, { background: true });
    const owner = await makeKey(t, { name: "owner", tenant: "acme", scopes: ["evaluate"] });
    // Every slot busy for two seconds, and a worker beyond them (concurrency 4 runs 5) holding an
    // item whose call waits for a slot.
    fake.latencyMs = 2000;
    const created = await t.post("/v1/batches?concurrency=4", Array.from({ length: 30 }, item), bearer(owner.key));
    while (fake.inFlight < 4) await new Promise((r) => setTimeout(r, 5));
    expect((await t.send("DELETE", `/v1/keys/${owner.id}`, undefined, bearer(ADMIN_KEY))).status).toBe(204);
    const callsAtRevocation = fake.calls.length;
    expect(callsAtRevocation).toBe(4);
    await t.services.batches!.idle(created.json.id);

    // The four already at the upstream finish; no call reaches it after the key was revoked.
    expect(fake.calls.length).toBe(callsAtRevocation);
    const batch = await t.services.batches!.view(created.json.id);
    expect(batch.status).toBe("cancelled");
    expect(batch.counts).toMatchObject({ done: 4, failed: 0, running: 0, pending: 26 });
    const billed = fake.calls.reduce((n, c) => n + c.usage!.prompt_tokens + c.usage!.completion_tokens, 0);
    const usage = (await t.send("GET", `/v1/usage?key_id=${owner.id}`, undefined, bearer(ADMIN_KEY))).json.usage[0];
    expect(usage.prompt_tokens + usage.completion_tokens).toBe(billed);
    await t.services.batches!.stop();
  });
});

describe("a paused batch", () => {
  const view = (weighted: number): EvaluationView => ({
    id: "ev_x~0.8",
    checklist: { id: "cl_x", items: [{ id: "q1", question: "Q?", weight: 50, must_pass: false }] },
    results: [{ item_id: "q1", verdict: "YES", rationale: "", p_yes: null }],
    signal: "none",
    scores: { pass_rate: weighted, weighted, soft: null },
    passed: true,
    pass_threshold: 0.8,
    model: "m",
    prompt_version: "grading-v1",
    cached: false,
    usage: { upstream_calls: 1, prompt_tokens: 10, completion_tokens: 2 },
  });

  it("waits with its items pending until the pause ends, then finishes them", async () => {
    const store = createBatchStore(openSqlite(":memory:"));
    let budgetRenewsAt = Date.now() + 300;
    const graded: string[] = [];
    const batches = new BatchService({
      store,
      defaultConcurrency: 2,
      evaluate: async (input) => {
        if (Date.now() < budgetRenewsAt && graded.length >= 3) throw new BatchHalt("paused", "the budget is spent", budgetRenewsAt);
        graded.push(input.response);
        return view(1);
      },
    });
    const items = Array.from({ length: 10 }, (_, i) => ({ instruction: "Do it.", response: `r${i}` }));
    const { id } = await batches.create(items, 1, { tenant: "acme", keyId: "key_x" });
    await batches.idle(id);
    const paused = await batches.view(id);
    expect(paused).toMatchObject({ status: "paused", status_reason: "the budget is spent", resumes_at: new Date(budgetRenewsAt).toISOString() });
    expect(paused.counts).toEqual({ pending: 7, running: 0, done: 3, failed: 0 });
    while ((await batches.view(id)).status !== "completed") await new Promise((r) => setTimeout(r, 20));
    expect(Date.now()).toBeGreaterThanOrEqual(budgetRenewsAt);
    expect(new Set(graded).size).toBe(10);
    expect(graded).toHaveLength(10);
    const done = await batches.view(id);
    expect(done).toMatchObject({ status_reason: null, resumes_at: null, counts: { done: 10, pending: 0 } });
    budgetRenewsAt = 0;
    await batches.stop();
  });
});
