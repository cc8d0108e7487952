import { describe, expect, it } from "vitest";
import { ADMIN_KEY, bearer, useFakeUpstream } from "../support/file-fake";
import { makeApp, upstreamEnv } from "../support/harness";

const fake = useFakeUpstream();

const ADMIN = ADMIN_KEY;
const evaluation = { instruction: "Say hi.", response: "Hi!", checklist: { items: [{ question: "Does it greet?" }] } };
const securedApp = (extra: Record<string, string> = {}) => makeApp({ ...upstreamEnv(fake), TICKBOX_ADMIN_KEY: ADMIN, ...extra });

describe("access control", () => {
  it("401 without a key or with a wrong one, with WWW-Authenticate, and nothing reaches the upstream", async () => {
    const t = securedApp();
    for (const headers of [{}, bearer("tbx_not-a-key"), { authorization: `Basic ${btoa("a:b")}` }, bearer(`${ADMIN}x`)]) {
      const res = await t.post("/v1/evaluations", evaluation, headers);
      expect(res.status).toBe(401);
      expect(res.json.code).toBe("unauthorized");
      expect(res.headers.get("www-authenticate")).toContain("Bearer");
    }
    expect((await t.get("/v1/checklists/cl_x")).status).toBe(401);
    expect(fake.calls).toHaveLength(0);
  });

  it("403 for a key without the route's scope", async () => {
    const t = securedApp();
    const calibrator = (await t.post("/v1/keys", { name: "c", scopes: ["calibrate"] }, bearer(ADMIN))).json;
    const evaluator = (await t.post("/v1/keys", { name: "e", scopes: ["evaluate"] }, bearer(ADMIN))).json;
    expect((await t.post("/v1/evaluations", evaluation, bearer(calibrator.key))).status).toBe(403);
    const manage = await t.post("/v1/keys", { name: "x", scopes: ["admin"] }, bearer(evaluator.key));
    expect(manage.status).toBe(403);
    expect(manage.json.detail).toContain('"admin"');
  });

  it("keeps health, docs and the contract public; metrics public unless configured", async () => {
    const t = securedApp();
    for (const path of ["/healthz", "/readyz", "/openapi.yaml", "/docs", "/metrics"]) expect((await t.get(path)).status, path).toBe(200);
    const closed = securedApp({ TICKBOX_METRICS_PUBLIC: "false" });
    expect((await closed.get("/metrics")).status).toBe(401);
    expect((await closed.send("GET", "/metrics", undefined, bearer(ADMIN))).status).toBe(200);
  });

  it("429 with Retry-After past a key's requests per minute", async () => {
    const t = securedApp();
    const key = (await t.post("/v1/keys", { name: "slow", scopes: ["evaluate"], rate_limit_rpm: 3 }, bearer(ADMIN))).json;
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await t.post("/v1/evaluations", evaluation, bearer(key.key))).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const limited = await t.post("/v1/evaluations", evaluation, bearer(key.key));
    expect(limited.json.code).toBe("rate_limited");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    // Another key is not affected.
    const other = (await t.post("/v1/keys", { name: "other", scopes: ["evaluate"], rate_limit_rpm: 3 }, bearer(ADMIN))).json;
    expect((await t.post("/v1/evaluations", evaluation, bearer(other.key))).status).toBe(200);
  });
});
