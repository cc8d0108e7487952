import { describe, expect, it } from "vitest";
import { ADMIN_KEY, bearer, useFakeUpstream } from "../support/file-fake";
import { makeApp, upstreamEnv } from "../support/harness";

const fake = useFakeUpstream();

const ADMIN = ADMIN_KEY;
const evaluation = { instruction: "Say hi.", response: "Hi!", checklist: { items: [{ question: "Does it greet?" }] } };

async function setup(extra: Record<string, string> = {}) {
  const t = makeApp({ ...upstreamEnv(fake), TICKBOX_ADMIN_KEY: ADMIN, ...extra });
  const key = async (name: string, tenant: string) => (await t.post("/v1/keys", { name, scopes: ["evaluate"], tenant }, bearer(ADMIN))).json.key as string;
  return { t, alice: await key("alice", "acme"), alice2: await key("alice-ci", "acme"), bob: await key("bob", "globex") };
}

describe("tenancy", () => {
  it("hides another tenant's objects behind 404, and shares them within a tenant", async () => {
    const { t, alice, alice2, bob } = await setup();
    const mine = await t.post("/v1/evaluations", evaluation, bearer(alice));
    expect(mine.status).toBe(200);
    const { id, checklist } = mine.json;
    for (const path of [`/v1/evaluations/${id}`, `/v1/checklists/${checklist.id}`]) {
      const other = await t.send("GET", path, undefined, bearer(bob));
      expect(other.status).toBe(404);
      expect((await t.send("GET", path, undefined, bearer(alice2))).status).toBe(200);
    }
    const byId = await t.post("/v1/evaluations", { instruction: "x", response: "y", checklist_id: checklist.id }, bearer(bob));
    expect(byId.status).toBe(404);
  });

  it("keeps the result cache per tenant by default: another tenant pays for its own call", async () => {
    const { t, alice, alice2, bob } = await setup();
    const a = await t.post("/v1/evaluations", evaluation, bearer(alice));
    const sameTenant = await t.post("/v1/evaluations", evaluation, bearer(alice2));
    expect(sameTenant.json.cached).toBe(true);
    expect(fake.calls).toHaveLength(1);
    const b = await t.post("/v1/evaluations", evaluation, bearer(bob));
    expect(b.json.cached).toBe(false);
    expect(fake.calls).toHaveLength(2);
    expect(b.json.id).not.toBe(a.json.id);
  });

  it("with TICKBOX_CACHE_SCOPE=global reuses a result across tenants without sharing the object", async () => {
    const { t, alice, bob } = await setup({ TICKBOX_CACHE_SCOPE: "global" });
    const a = await t.post("/v1/evaluations", evaluation, bearer(alice));
    const b = await t.post("/v1/evaluations", evaluation, bearer(bob));
    expect(fake.calls).toHaveLength(1);
    expect(b.json.cached).toBe(true);
    expect(b.json.results).toEqual(a.json.results);
    expect(b.json.id).not.toBe(a.json.id);
    expect((await t.send("GET", `/v1/evaluations/${a.json.id}`, undefined, bearer(bob))).status).toBe(404);
    expect((await t.send("GET", `/v1/evaluations/${b.json.id}`, undefined, bearer(bob))).status).toBe(200);
  });
});

describe("tenancy of batches and calibrations", () => {
  it("hides another tenant's batch and calibration profile behind 404", async () => {
    const t = makeApp({ ...upstreamEnv(fake), TICKBOX_ADMIN_KEY: ADMIN }, { background: true });
    const key = async (name: string, tenant: string, scopes: string[]) =>
      (await t.post("/v1/keys", { name, scopes, tenant }, bearer(ADMIN))).json.key as string;
    const alice = await key("alice", "acme", ["evaluate", "calibrate"]);
    const bob = await key("bob", "globex", ["evaluate", "calibrate"]);

    const batch = await t.post("/v1/batches", [evaluation], bearer(alice));
    expect(batch.status).toBe(202);
    expect((await t.send("GET", `/v1/batches/${batch.json.id}`, undefined, bearer(alice))).status).toBe(200);
    for (const [method, path] of [
      ["GET", `/v1/batches/${batch.json.id}`],
      ["GET", `/v1/batches/${batch.json.id}/results`],
      ["POST", `/v1/batches/${batch.json.id}/cancel`],
    ] as const) {
      expect((await t.send(method, path, undefined, bearer(bob))).status, path).toBe(404);
    }
    // The same items from another tenant make that tenant's own batch.
    const bobs = await t.post("/v1/batches", [evaluation], bearer(bob));
    expect(bobs.json.id).not.toBe(batch.json.id);

    const examples = Array.from({ length: 60 }, (_, i) => ({ p: (i % 10) / 10 + 0.05, label: i % 3 === 0 ? 0 : 1 }));
    const profile = await t.post("/v1/calibrations", { name: "p", kind: "pointwise", examples }, bearer(alice));
    expect(profile.status).toBe(200);
    expect((await t.send("GET", `/v1/calibrations/${profile.json.id}`, undefined, bearer(alice))).status).toBe(200);
    expect((await t.send("GET", `/v1/calibrations/${profile.json.id}`, undefined, bearer(bob))).status).toBe(404);
    const confidence = await t.post("/v1/confidence", { calibration_id: profile.json.id, p: 0.9 }, bearer(bob));
    expect(confidence.status).toBe(404);
    await t.services.batches?.stop();
  });
});
