import { describe, expect, it } from "vitest";
import { useFakeUpstream } from "../support/file-fake";
import { makeApp, upstreamEnv } from "../support/harness";
import { expectProblem } from "../support/problems";

const fake = useFakeUpstream();

const items = [{ question: "Is it polite?" }, { question: "Is it under 50 words?", weight: 80, must_pass: true }];
const request = { instruction: "Reply to the customer.", response: "Thanks, we are on it.", checklist: { items } };

describe("POST /v1/evaluations — bad requests", () => {
  it("400 for a body that is not JSON", async () => {
    const t = makeApp(upstreamEnv(fake));
    expectProblem(await t.post("/v1/evaluations", '{"instruction": "x",'), 400, "invalid_json");
  });

  it("415 for a body that is not application/json", async () => {
    const t = makeApp(upstreamEnv(fake));
    const res = await t.post("/v1/evaluations", JSON.stringify(request), { "content-type": "text/plain" });
    expectProblem(res, 415, "unsupported_media_type");
  });

  it("413 for a body over the configured limit", async () => {
    const t = makeApp({ ...upstreamEnv(fake), TICKBOX_MAX_BODY_BYTES: "2048" });
    const res = await t.post("/v1/evaluations", { ...request, response: "x".repeat(5000) });
    expectProblem(res, 413, "payload_too_large");
    expect(res.json.detail).toContain("2048");
    expect(fake.calls).toHaveLength(0);
  });

  it("422 naming every wrong or missing field", async () => {
    const t = makeApp(upstreamEnv(fake));
    const res = await t.post("/v1/evaluations", {
      instruction: "   ",
      reponse: "typo",
      checklist: { items: [{ question: "ok", weight: 0 }, { question: "" }] },
    });
    expectProblem(res, 422, "validation_failed");
    const paths = res.json.errors.map((e: any) => e.path).sort();
    expect(paths).toEqual(["/checklist/items/0/weight", "/checklist/items/1/question", "/instruction", "/reponse", "/response"].sort());
    expect(fake.calls).toHaveLength(0);
  });

  it("422 for both a checklist id and inline items, or a wrong type", async () => {
    const t = makeApp(upstreamEnv(fake));
    const both = await t.post("/v1/evaluations", { ...request, checklist_id: "cl_x" });
    expectProblem(both, 422, "validation_failed");
    expect(both.json.errors[0].path).toBe("/checklist");
    const wrongType = await t.post("/v1/evaluations", { ...request, max_items: "8" });
    expectProblem(wrongType, 422, "validation_failed");
    const array = await t.post("/v1/evaluations", [request]);
    expectProblem(array, 422, "validation_failed");
  });

  it("404 for an unknown checklist id, evaluation id or route", async () => {
    const t = makeApp(upstreamEnv(fake));
    const unknownChecklist = await t.post("/v1/evaluations", {
      instruction: "x",
      response: "y",
      checklist_id: "cl_missing",
    });
    expectProblem(unknownChecklist, 404, "not_found");
    expect(unknownChecklist.json.errors[0].path).toBe("/checklist_id");
    expectProblem(await t.get("/v1/evaluations/ev_missing"), 404, "not_found");
    expectProblem(await t.get("/v1/nothing-here"), 404, "not_found");
    expect(fake.calls).toHaveLength(0);
  });

  it("503 naming the variables to set when no upstream is configured", async () => {
    const t = makeApp({});
    const res = await t.post("/v1/evaluations", request);
    expectProblem(res, 503, "upstream_not_configured");
    expect(res.json.detail).toContain("TICKBOX_JUDGE_MODEL");
    expect(res.json.detail).toContain("OPENAI_BASE_URL");
    // Storing a caller's checklist needs no model.
    const stored = await t.post("/v1/checklists", { instruction: "x", items });
    expect(stored.status).toBe(200);
  });
});

describe("POST /v1/evaluations — upstream faults", () => {
  it("502 on an upstream error; nothing is cached and the next request calls again", async () => {
    const t = makeApp(upstreamEnv(fake));
    fake.enqueue({ kind: "status", status: 500 });
    expectProblem(await t.post("/v1/evaluations", request), 502, "upstream_error");
    const retry = await t.post("/v1/evaluations", request);
    expect(retry.status).toBe(200);
    expect(retry.json.cached).toBe(false);
    expect(fake.calls).toHaveLength(2);
  });

  it("retries a 429 after the Retry-After it was given", async () => {
    const t = makeApp({ ...upstreamEnv(fake), TICKBOX_UPSTREAM_RETRIES: "2" });
    fake.enqueue({ kind: "status", status: 429, retryAfter: "1" });
    const started = Date.now();
    const res = await t.post("/v1/evaluations", request);
    expect(res.status).toBe(200);
    expect(fake.calls).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it("502 when the connection is reset or the answer is cut short", async () => {
    const t = makeApp(upstreamEnv(fake));
    fake.enqueue({ kind: "reset" }, { kind: "truncated" });
    expectProblem(await t.post("/v1/evaluations", request), 502, "upstream_error");
    // A whole HTTP answer whose JSON stops half-way: the upstream answered, invalidly.
    expectProblem(await t.post("/v1/evaluations", request), 502, "upstream_invalid_output");
    expect((await t.post("/v1/evaluations", request)).json.cached).toBe(false);
  });

  it("504 when the upstream does not answer in time", async () => {
    const t = makeApp({ ...upstreamEnv(fake), TICKBOX_UPSTREAM_TIMEOUT_MS: "300" });
    fake.enqueue({ kind: "hang" });
    expectProblem(await t.post("/v1/evaluations", request), 504, "upstream_timeout");
    expect((await t.post("/v1/evaluations", request)).status).toBe(200);
  });

  it("re-asks once after an invalid answer, and reports both calls", async () => {
    const t = makeApp(upstreamEnv(fake));
    fake.enqueue({ kind: "content", content: '{"q1":{"rationale":"fine","verdict":"YES"}}' });
    const res = await t.post("/v1/evaluations", request);
    expect(res.status).toBe(200);
    expect(res.json.usage.upstream_calls).toBe(2);
    const reask = fake.calls[1]!.body.messages;
    expect(reask.at(-2).role).toBe("assistant");
    expect(reask.at(-1).content).toContain("q2");
  });

  it.each([
    ["a missing item", '{"q1":{"rationale":"a","verdict":"YES"}}'],
    ["an extra item", '{"q1":{"rationale":"a","verdict":"YES"},"q2":{"rationale":"b","verdict":"NO"},"q3":{"rationale":"c","verdict":"YES"}}'],
    ["a verdict outside YES/NO", '{"q1":{"rationale":"a","verdict":"MAYBE"},"q2":{"rationale":"b","verdict":"NO"}}'],
    ["text that is not JSON", "I think the response is good."],
  ])("502 after two answers with %s, storing nothing", async (_name, content) => {
    const t = makeApp(upstreamEnv(fake));
    fake.enqueue({ kind: "content", content }, { kind: "content", content });
    const res = await t.post("/v1/evaluations", request);
    expectProblem(res, 502, "upstream_invalid_output");
    expect(fake.calls).toHaveLength(2);
    const after = await t.post("/v1/evaluations", request);
    expect(after.json.cached).toBe(false);
  });

  it("502 when the model refuses", async () => {
    const t = makeApp(upstreamEnv(fake));
    const refusal = {
      id: "x",
      object: "chat.completion",
      created: 0,
      model: "judge-test",
      choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content: null, refusal: "I can't help with that." } }],
      usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    };
    fake.enqueue({ kind: "status", status: 200, body: refusal });
    const res = await t.post("/v1/evaluations", request);
    expectProblem(res, 502, "upstream_invalid_output");
    expect(res.json.detail).toContain("refused");
  });

  it("shares one upstream call among 50 concurrent identical requests", async () => {
    const t = makeApp(upstreamEnv(fake));
    fake.latencyMs = 100;
    const responses = await Promise.all(Array.from({ length: 50 }, () => t.post("/v1/evaluations", request)));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(fake.calls).toHaveLength(1);
    expect(new Set(responses.map((r) => r.json.id)).size).toBe(1);
    expect(responses.filter((r) => !r.json.cached)).toHaveLength(1);
  });

  it("shares a failure too, and does not remember it", async () => {
    const t = makeApp(upstreamEnv(fake));
    fake.latencyMs = 50;
    fake.enqueue({ kind: "status", status: 500 });
    const responses = await Promise.all(Array.from({ length: 10 }, () => t.post("/v1/evaluations", request)));
    expect(responses.every((r) => r.status === 502)).toBe(true);
    expect(fake.calls).toHaveLength(1);
    expect((await t.post("/v1/evaluations", request)).status).toBe(200);
  });
});
