import { describe, expect, it } from "vitest";
import { useFakeUpstream } from "../support/file-fake";
import { makeApp, upstreamEnv } from "../support/harness";

const fake = useFakeUpstream();

const request = { instruction: "Reply to the customer.", a: "Thanks, on it.", b: "No.", method: "direct" };

describe("POST /v1/comparisons — bad requests", () => {
  it("422 naming an empty or missing side, an unknown method, or an unknown field", async () => {
    const t = makeApp(upstreamEnv(fake));
    const cases: [object, string][] = [
      [{ ...request, a: "" }, "/a"],
      [{ ...request, b: " " }, "/b"],
      [{ instruction: "i", a: "x" }, "/b"],
      [{ ...request, method: "vote" }, "/method"],
      [{ ...request, c: "third" }, "/c"],
      [{ ...request, checklist_id: "cl_x", checklist: { items: [{ question: "q?" }] } }, "/checklist"],
    ];
    for (const [body, path] of cases) {
      const res = await t.post("/v1/comparisons", body);
      expect(res.status).toBe(422);
      expect(res.json.errors.map((e: any) => e.path)).toContain(path);
    }
    expect(fake.calls).toHaveLength(0);
  });
});

describe("POST /v1/comparisons — upstream failures", () => {
  it("502 when one ordered call fails; the other order alone is kept, the failed one is retried", async () => {
    const t = makeApp(upstreamEnv(fake));
    fake.enqueue({ kind: "status", status: 500 });
    const res = await t.post("/v1/comparisons", request);
    expect(res.status).toBe(502);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    const retry = await t.post("/v1/comparisons", request);
    expect(retry.status).toBe(200);
    expect(retry.json.usage.upstream_calls).toBe(1);
  });

  it("502 for an answer that breaks the schema twice, and nothing stored", async () => {
    const t = makeApp(upstreamEnv(fake));
    fake.enqueue({ kind: "content", content: '{"better":"THIRD"}' }, { kind: "content", content: "first, I think" });
    fake.enqueue({ kind: "content", content: '{"better":"THIRD"}' }, { kind: "content", content: "first, I think" });
    const res = await t.post("/v1/comparisons", request);
    expect(res.status).toBe(502);
    expect(res.json.code).toBe("upstream_invalid_output");
    const calls = fake.calls.length;
    const retry = await t.post("/v1/comparisons", request);
    expect(retry.status).toBe(200);
    expect(fake.calls.length - calls).toBe(2);
  });

  it("504 when an ordered call times out", async () => {
    const t = makeApp({ ...upstreamEnv(fake), TICKBOX_UPSTREAM_TIMEOUT_MS: "200" });
    fake.enqueue({ kind: "hang" });
    const res = await t.post("/v1/comparisons", request);
    expect(res.status).toBe(504);
  });
});
