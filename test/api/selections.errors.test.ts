import { describe, expect, it } from "vitest";
import { useFakeUpstream } from "../support/file-fake";
import { makeApp, payloadOf, upstreamEnv } from "../support/harness";

const fake = useFakeUpstream();

const items = [{ question: "Is it polite?" }, { question: "Is it short?", must_pass: true }];
const base = { instruction: "Reply to the customer.", checklist: { items } };

async function expect422(res: { status: number; json: any }, path: string) {
  expect(res.status).toBe(422);
  expect(res.json.code).toBe("validation_failed");
  expect(res.json.errors.map((e: any) => e.path)).toContain(path);
}

describe("POST /v1/selections — bad requests", () => {
  it("422 for fewer than 2 candidates, more than 64, or an empty one, naming the field", async () => {
    const t = makeApp(upstreamEnv(fake));
    await expect422(await t.post("/v1/selections", { ...base, candidates: ["only one"] }), "/candidates");
    await expect422(await t.post("/v1/selections", { ...base, candidates: [] }), "/candidates");
    // More than the contract's 64 is past TICKBOX_MAX_CANDIDATES, whose ceiling it is.
    const many = Array.from({ length: 65 }, (_, i) => `c${i}`);
    const tooMany = await t.post("/v1/selections", { ...base, candidates: many });
    expect(tooMany.json.code).toBe("limit_exceeded");
    expect(tooMany.json.errors).toEqual([{ path: "/candidates", message: "more than the limit of 64 candidates (TICKBOX_MAX_CANDIDATES)" }]);
    await expect422(await t.post("/v1/selections", { ...base, candidates: ["fine", "also fine", ""] }), "/candidates/2");
    await expect422(await t.post("/v1/selections", { ...base, candidates: ["fine", "  \n"] }), "/candidates/1");
    await expect422(await t.post("/v1/selections", { ...base, candidates: ["a", 3] }), "/candidates/1");
    expect(fake.calls).toHaveLength(0);
  });

  it("422 for a missing instruction, an unknown tie_break or field, both checklist forms", async () => {
    const t = makeApp(upstreamEnv(fake));
    await expect422(await t.post("/v1/selections", { candidates: ["a", "b"] }), "/instruction");
    await expect422(await t.post("/v1/selections", { ...base, candidates: ["a", "b"], tie_break: "coin" }), "/tie_break");
    await expect422(await t.post("/v1/selections", { ...base, candidates: ["a", "b"], n: 2 }), "/n");
    await expect422(await t.post("/v1/selections", { ...base, checklist_id: "cl_x", candidates: ["a", "b"] }), "/checklist");
    expect(fake.calls).toHaveLength(0);
  });

  it("404 for an unknown checklist id", async () => {
    const t = makeApp(upstreamEnv(fake));
    const res = await t.post("/v1/selections", { instruction: "i", checklist_id: "cl_nope", candidates: ["a", "b"] });
    expect(res.status).toBe(404);
    expect(res.json.errors[0].path).toBe("/checklist_id");
  });

  it("503 without an upstream", async () => {
    const t = makeApp();
    const res = await t.post("/v1/selections", { ...base, candidates: ["a", "b"] });
    expect(res.status).toBe(503);
    expect(res.json.code).toBe("upstream_not_configured");
  });
});

describe("POST /v1/selections — upstream failures", () => {
  it("502 naming the candidate whose grading failed; that grading is not stored", async () => {
    const t = makeApp(upstreamEnv(fake));
    const candidates = ["first", "second", "third"];
    fake.enqueue({ kind: "status", status: 500 });
    const res = await t.post("/v1/selections", { ...base, candidates });
    expect(res.status).toBe(502);
    expect(res.json.code).toBe("upstream_error");
    // The fault went to whichever grading reached the upstream first.
    const failed = candidates.indexOf(payloadOf(fake.calls[0]!).response);
    expect(res.json.errors).toEqual([{ path: `/candidates/${failed}`, message: "its grading failed upstream" }]);
    expect(res.json.detail).toContain(`candidate ${failed}`);
    expect(res.json.detail).not.toMatch(/stack|at \w+ \(/);
    // Retrying grades only the failed candidate: the others' complete gradings were kept.
    const retry = await t.post("/v1/selections", { ...base, candidates });
    expect(retry.status).toBe(200);
    expect(fake.calls).toHaveLength(4);
    expect(payloadOf(fake.calls[3]!).response).toBe(candidates[failed]);
    expect(retry.json.usage.upstream_calls).toBe(1);
  });

  it("504 when a grading times out", async () => {
    const t = makeApp({ ...upstreamEnv(fake), TICKBOX_UPSTREAM_TIMEOUT_MS: "200" });
    fake.enqueue({ kind: "hang" });
    const res = await t.post("/v1/selections", { ...base, candidates: ["a", "b"] });
    expect(res.status).toBe(504);
    expect(res.json.code).toBe("upstream_timeout");
    expect(res.json.errors[0].path).toMatch(/^\/candidates\/[01]$/);
  });

  it("502 when the checklist cannot be generated, before any grading", async () => {
    const t = makeApp(upstreamEnv(fake));
    fake.enqueue({ kind: "status", status: 503 });
    const res = await t.post("/v1/selections", { instruction: "i", candidates: ["a", "b"] });
    expect(res.status).toBe(502);
    expect(fake.calls.map((c) => c.kind)).toEqual(["checklist"]);
  });
});
