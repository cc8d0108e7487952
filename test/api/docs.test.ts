import { describe, expect, it } from "vitest";
import { makeApp } from "../support/harness";
import { expectProblem } from "../support/problems";

describe("GET /docs", () => {
  it("loads the API reference's script from this service, never from another origin", async () => {
    const t = makeApp();
    const page = await t.get("/docs");
    expect(page.status).toBe(200);
    const sources = [...page.text.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((m) => m[1]);
    expect(sources).toEqual(["/docs/scalar.js"]);
    expect(page.text).not.toMatch(/https?:\/\//);
    const script = await t.get("/docs/scalar.js");
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toContain("javascript");
    // The package's browser bundle, which defines the global the page calls.
    expect(script.text.length).toBeGreaterThan(1_000_000);
    expect(page.text).toContain("Scalar.createApiReference");
    expect(script.text).toContain("createApiReference");
  });

  it("says so when a deployment was built without the script", async () => {
    const t = makeApp({}, { docsScript: undefined });
    expectProblem(await t.get("/docs/scalar.js"), 501, "not_implemented");
  });
});
