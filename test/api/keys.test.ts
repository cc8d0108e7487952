import { describe, expect, it } from "vitest";
import { ADMIN_KEY, bearer, useFakeUpstream } from "../support/file-fake";
import { makeApp, upstreamEnv } from "../support/harness";

const fake = useFakeUpstream();

const ADMIN = ADMIN_KEY;
const evaluation = { instruction: "Say hi.", response: "Hi!", checklist: { items: [{ question: "Does it greet?" }] } };

function securedApp(extra: Record<string, string> = {}) {
  return makeApp({ ...upstreamEnv(fake), TICKBOX_ADMIN_KEY: ADMIN, ...extra });
}

async function createKey(t: ReturnType<typeof securedApp>, body: Record<string, unknown>) {
  const res = await t.post("/v1/keys", body, bearer(ADMIN));
  expect(res.status).toBe(201);
  return res.json;
}

describe("API keys", () => {
  it("creates a key shown once, lists it without its secret, and accepts it", async () => {
    const t = securedApp();
    const key = await createKey(t, { name: "ci pipeline", scopes: ["evaluate"], rate_limit_rpm: 100 });
    expect(key.key).toMatch(/^tbx_[\w-]{40,}$/);
    expect(key).toMatchObject({ name: "ci pipeline", scopes: ["evaluate"], rate_limit_rpm: 100, daily_token_budget: null });
    const list = await t.send("GET", "/v1/keys", undefined, bearer(ADMIN));
    expect(list.json.keys.map((k: any) => k.id)).toEqual([key.id]);
    expect(list.text).not.toContain(key.key);
    const res = await t.post("/v1/evaluations", evaluation, bearer(key.key));
    expect(res.status).toBe(200);
  });

  it("stores only a hash of the secret", async () => {
    const t = securedApp();
    const key = await createKey(t, { name: "k", scopes: ["evaluate"] });
    const rows = await t.services.keys.listLive(undefined);
    expect(JSON.stringify(rows)).not.toContain(key.key);
    expect(rows[0]!.keyHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("revokes a key at once", async () => {
    const t = securedApp();
    const key = await createKey(t, { name: "k", scopes: ["evaluate"] });
    expect((await t.post("/v1/evaluations", evaluation, bearer(key.key))).status).toBe(200);
    expect((await t.send("DELETE", `/v1/keys/${key.id}`, undefined, bearer(ADMIN))).status).toBe(204);
    const after = await t.post("/v1/evaluations", evaluation, bearer(key.key));
    expect(after.status).toBe(401);
    expect((await t.send("DELETE", `/v1/keys/${key.id}`, undefined, bearer(ADMIN))).status).toBe(404);
  });

  it("is open, as the default tenant, without an admin key", async () => {
    const t = makeApp(upstreamEnv(fake));
    expect((await t.post("/v1/evaluations", evaluation)).status).toBe(200);
  });
});

describe("API keys — errors", () => {
  it("422 for bad key requests", async () => {
    const t = securedApp();
    const res = await t.post("/v1/keys", { name: "", scopes: ["root"], rate_limit_rpm: 0 }, bearer(ADMIN));
    expect(res.status).toBe(422);
    expect(res.json.errors.map((e: any) => e.path).sort()).toEqual(["/name", "/rate_limit_rpm", "/scopes/0"]);
  });
});
