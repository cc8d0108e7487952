import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { nodeCapabilities, requireCapability, workerCapabilities } from "../../src/capabilities";
import { parseConfig } from "../../src/config";
import { buildServices } from "../../src/services";
import { openSqlite } from "../../src/store/sqlite";
import { createSqlStores } from "../../src/store/sql-stores";

/** An app with one route that needs background work, as batches will. */
function appWith(capabilities: typeof nodeCapabilities | undefined) {
  const services = buildServices(parseConfig({}), createSqlStores(openSqlite(":memory:")), capabilities ? { capabilities } : {});
  const app = createApp(services);
  app.get("/v1/background-probe", (c) => {
    requireCapability(c.get("services").capabilities, "background", "background batches");
    return c.json({ started: true });
  });
  return { app, services };
}

describe("capabilities", () => {
  it("default to Node's: background work is available", async () => {
    const { app, services } = appWith(undefined);
    expect(services.capabilities).toEqual({ background: true });
    expect((await app.request("/v1/background-probe")).status).toBe(200);
  });

  it("answer 501 problem+json naming the Node deployment where background work is not available", async () => {
    const { app } = appWith(workerCapabilities);
    const res = await app.request("/v1/background-probe");
    expect(res.status).toBe(501);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    const body = (await res.json()) as any;
    expect(body).toMatchObject({ status: 501, code: "not_implemented", type: "/problems/not_implemented" });
    expect(body.detail).toContain("background batches");
    expect(body.detail).toContain("Node deployment");
  });
});
