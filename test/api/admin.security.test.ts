import { describe, expect, it } from "vitest";
import { ADMIN_KEY, bearer, useFakeUpstream } from "../support/file-fake";
import { makeApp, upstreamEnv } from "../support/harness";
import { expectProblem } from "../support/problems";
import { makeKey } from "../support/tenants";

const fake = useFakeUpstream();

const evaluation = { instruction: "Say hi.", response: "Hi!", checklist: { items: [{ question: "Does it greet?" }] } };

describe("admin is per tenant; only TICKBOX_ADMIN_KEY crosses tenants", () => {
  async function setup() {
    const t = makeApp({ ...upstreamEnv(fake), TICKBOX_ADMIN_KEY: ADMIN_KEY });
    const acmeAdmin = await makeKey(t, { name: "acme admin", tenant: "acme", scopes: ["admin"] });
    const acmeUser = await makeKey(t, { name: "acme user", tenant: "acme", scopes: ["evaluate"] });
    const globexAdmin = await makeKey(t, { name: "globex admin", tenant: "globex", scopes: ["admin"] });
    return { t, acmeAdmin, acmeUser, globexAdmin };
  }

  it("lists, makes and revokes keys of its own tenant only", async () => {
    const { t, acmeAdmin, acmeUser, globexAdmin } = await setup();
    const listed = await t.send("GET", "/v1/keys", undefined, bearer(globexAdmin.key));
    expect(listed.json.keys.map((k: { tenant: string }) => k.tenant)).toEqual(["globex"]);
    // Asking for another tenant's keys is not a way round it.
    const asked = await t.send("GET", "/v1/keys?tenant=acme", undefined, bearer(globexAdmin.key));
    expect(asked.json.keys.map((k: { tenant: string }) => k.tenant)).toEqual(["globex"]);

    const intoAcme = await t.post("/v1/keys", { name: "x", scopes: ["evaluate"], tenant: "acme" }, bearer(globexAdmin.key));
    expectProblem(intoAcme, 403, "forbidden");
    expect(intoAcme.json.errors).toEqual([{ path: "/tenant", message: "another tenant" }]);
    const own = await t.post("/v1/keys", { name: "globex user", scopes: ["evaluate"] }, bearer(globexAdmin.key));
    expect(own.status).toBe(201);
    expect(own.json).toMatchObject({ tenant: "globex", created_by: globexAdmin.id });

    expectProblem(await t.send("DELETE", `/v1/keys/${acmeUser.id}`, undefined, bearer(globexAdmin.key)), 404, "not_found");
    expect((await t.post("/v1/evaluations", evaluation, bearer(acmeUser.key))).status).toBe(200);
    expect((await t.send("DELETE", `/v1/keys/${acmeUser.id}`, undefined, bearer(acmeAdmin.key))).status).toBe(204);
    expect((await t.post("/v1/evaluations", evaluation, bearer(acmeUser.key))).status).toBe(401);
  });

  it("reads its own tenant's usage, and a key its own", async () => {
    const { t, acmeAdmin, acmeUser, globexAdmin } = await setup();
    await t.post("/v1/evaluations", evaluation, bearer(acmeUser.key));
    await t.send("GET", "/v1/keys", undefined, bearer(globexAdmin.key));
    const globexView = await t.send("GET", "/v1/usage", undefined, bearer(globexAdmin.key));
    expect(globexView.json.usage.map((u: { tenant: string }) => u.tenant)).toEqual(["globex"]);
    const asked = await t.send("GET", `/v1/usage?key_id=${acmeUser.id}`, undefined, bearer(globexAdmin.key));
    expect(asked.json.usage).toEqual([]);
    const acmeView = await t.send("GET", "/v1/usage", undefined, bearer(acmeAdmin.key));
    expect(acmeView.json.usage.map((u: { key_id: string; tenant: string }) => [u.key_id, u.tenant])).toEqual([[acmeUser.id, "acme"]]);
    expectProblem(await t.send("GET", `/v1/usage?key_id=${acmeAdmin.id}`, undefined, bearer(acmeUser.key)), 403, "forbidden");
    const operator = await t.send("GET", "/v1/usage", undefined, bearer(ADMIN_KEY));
    expect(new Set(operator.json.usage.map((u: { tenant: string }) => u.tenant))).toEqual(new Set(["acme", "globex", "default"]));
  });

  it("a key a tenant admin makes reads its tenant's objects, not another's", async () => {
    const { t, acmeUser, globexAdmin } = await setup();
    const graded = await t.post("/v1/evaluations", evaluation, bearer(acmeUser.key));
    const minted = await t.post("/v1/keys", { name: "reader", scopes: ["evaluate"] }, bearer(globexAdmin.key));
    expectProblem(await t.send("GET", `/v1/evaluations/${graded.json.id}`, undefined, bearer(minted.json.key)), 404, "not_found");
  });

  it("the operator makes keys for any tenant and lists them all", async () => {
    const { t } = await setup();
    const made = await t.post("/v1/keys", { name: "initech", scopes: ["evaluate"], tenant: "initech" }, bearer(ADMIN_KEY));
    expect(made.json).toMatchObject({ tenant: "initech", created_by: "operator" });
    const all = await t.send("GET", "/v1/keys", undefined, bearer(ADMIN_KEY));
    expect(new Set(all.json.keys.map((k: { tenant: string }) => k.tenant))).toEqual(new Set(["acme", "globex", "initech"]));
    const one = await t.send("GET", "/v1/keys?tenant=initech", undefined, bearer(ADMIN_KEY));
    expect(one.json.keys.map((k: { id: string }) => k.id)).toEqual([made.json.id]);
  });
});

describe("an open server", () => {
  it("refuses every key operation with a 403 that says to set TICKBOX_ADMIN_KEY", async () => {
    const t = makeApp(upstreamEnv(fake));
    for (const [method, path, body] of [
      ["POST", "/v1/keys", { name: "sneaky", scopes: ["admin"] }],
      ["GET", "/v1/keys", undefined],
      ["DELETE", "/v1/keys/key_x", undefined],
    ] as const) {
      const res = await t.send(method, path, body);
      expectProblem(res, 403, "forbidden");
      expect(res.json.detail).toContain("TICKBOX_ADMIN_KEY");
    }
    expect(await t.services.keys.listLive(undefined)).toEqual([]);
    // Everything else is open, as the default tenant.
    expect((await t.post("/v1/evaluations", evaluation)).status).toBe(200);
  });
});
