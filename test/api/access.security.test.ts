import { describe, expect, it } from "vitest";
import { API_INFO } from "../../src/routes/system/docs";
import { ADMIN_KEY, bearer, useFakeUpstream } from "../support/file-fake";
import { makeApp, upstreamEnv } from "../support/harness";

const fake = useFakeUpstream();

describe("every /v1 operation is behind a key", () => {
  it("answers 401 without a key and with a wrong one, for each operation in the contract", async () => {
    const t = makeApp({ ...upstreamEnv(fake), TICKBOX_ADMIN_KEY: ADMIN_KEY }, { background: true });
    const doc = t.app.getOpenAPI31Document(API_INFO);
    const operations = Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
      Object.keys(item as object)
        .filter((m) => ["get", "post", "put", "patch", "delete"].includes(m))
        .map((method) => ({ method: method.toUpperCase(), path: path.replace(/\{[^}]+\}/g, "x_1") })),
    );
    const v1 = operations.filter((o) => o.path.startsWith("/v1/"));
    expect(v1.length).toBeGreaterThanOrEqual(20);
    for (const { method, path } of v1) {
      const body = method === "POST" ? {} : undefined;
      for (const headers of [{}, bearer("tbx_wrong")]) {
        const res = await t.send(method, path, body, headers);
        expect(res.status, `${method} ${path}`).toBe(401);
      }
    }
    for (const { method, path } of operations.filter((o) => !o.path.startsWith("/v1/"))) {
      expect((await t.send(method, path)).status, `${method} ${path}`).not.toBe(401);
    }
    expect(fake.calls).toHaveLength(0);
    await t.services.batches?.stop();
  });
});
