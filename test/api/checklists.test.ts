import { describe, expect, it } from "vitest";
import { useFakeUpstream } from "../support/file-fake";
import { infobench, makeApp, upstreamEnv } from "../support/harness";

const fake = useFakeUpstream();

const row = infobench[3]!;

describe("POST /v1/checklists — generated", () => {
  it("generates a checklist from the instruction alone and returns it whole", async () => {
    const t = makeApp(upstreamEnv(fake));
    fake.checklist = row.decomposed_questions.map((question, i) => ({ question, weight: 100 - i * 10, must_pass: i === 0 }));
    const res = await t.post("/v1/checklists", { instruction: row.instruction, context: row.input, max_items: 10 });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      instruction: row.instruction,
      context: row.input,
      source: "generated",
      model: "judge-test",
      prompt_version: "checklist-v1",
      cached: false,
      usage: { upstream_calls: 1 },
    });
    expect(res.json.id).toMatch(/^cl_[0-9a-f]{32}$/);
    expect(res.json.items).toEqual(row.decomposed_questions.map((question, i) => ({ id: `q${i + 1}`, question, weight: 100 - i * 10, must_pass: i === 0 })));
    const call = fake.calls[0]!;
    expect(call.kind).toBe("checklist");
    expect(call.body.model).toBe("judge-test");
    expect(call.body.response_format.json_schema.schema.properties.items.maxItems).toBe(10);
    // TICK: the generator sees the instruction (as data) and worked examples, never a response.
    const last = call.body.messages.at(-1);
    expect(JSON.parse(last.content)).toEqual({ instruction: row.instruction, context: row.input });
    expect(call.body.messages.filter((m: any) => m.role === "assistant").length).toBeGreaterThanOrEqual(2);
  });

  it("returns the stored checklist for identical inputs without an upstream call", async () => {
    const t = makeApp(upstreamEnv(fake));
    const first = await t.post("/v1/checklists", { instruction: row.instruction });
    const second = await t.post("/v1/checklists", { instruction: row.instruction });
    expect(second.json).toEqual({ ...first.json, cached: true, usage: { upstream_calls: 0, prompt_tokens: 0, completion_tokens: 0 } });
    expect(fake.calls).toHaveLength(1);
    const changed = await t.post("/v1/checklists", { instruction: row.instruction, max_items: 4 });
    expect(changed.json.cached).toBe(false);
    expect(fake.calls).toHaveLength(2);
  });

  it("uses TICKBOX_CHECKLIST_MODEL when it is set", async () => {
    const t = makeApp({ ...upstreamEnv(fake), TICKBOX_CHECKLIST_MODEL: "writer-model" });
    const res = await t.post("/v1/checklists", { instruction: row.instruction });
    expect(res.json.model).toBe("writer-model");
    expect(fake.calls[0]!.body.model).toBe("writer-model");
  });

  it("re-asks when the model writes too few items, then gives up with a 502", async () => {
    const t = makeApp(upstreamEnv(fake));
    const one = JSON.stringify({ analysis: "a", items: [{ question: "Only one?", weight: 50, must_pass: false }] });
    fake.enqueue({ kind: "content", content: one });
    const ok = await t.post("/v1/checklists", { instruction: "first" });
    expect(ok.status).toBe(200);
    expect(ok.json.usage.upstream_calls).toBe(2);
    fake.enqueue({ kind: "content", content: one }, { kind: "content", content: one });
    const failed = await t.post("/v1/checklists", { instruction: "second" });
    expect(failed.status).toBe(502);
    expect(failed.json.code).toBe("upstream_invalid_output");
  });

  it("rejects a weight outside 1-100 from the model", async () => {
    const t = makeApp(upstreamEnv(fake));
    const bad = JSON.stringify({
      analysis: "a",
      items: [
        { question: "A?", weight: 0, must_pass: false },
        { question: "B?", weight: 500, must_pass: false },
      ],
    });
    fake.enqueue({ kind: "content", content: bad }, { kind: "content", content: bad });
    expect((await t.post("/v1/checklists", { instruction: "x" })).status).toBe(502);
  });
});

describe("POST /v1/checklists — provided", () => {
  it("stores a caller's items with defaults, without any model", async () => {
    const t = makeApp({});
    const res = await t.post("/v1/checklists", {
      instruction: row.instruction,
      items: [{ question: "  Is it a title? " }, { question: "Is it appealing?", weight: 90, must_pass: true }],
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ source: "provided", model: null, prompt_version: null, cached: false, context: null });
    expect(res.json.items).toEqual([
      { id: "q1", question: "Is it a title?", weight: 50, must_pass: false },
      { id: "q2", question: "Is it appealing?", weight: 90, must_pass: true },
    ]);
    const again = await t.post("/v1/checklists", {
      instruction: row.instruction,
      items: [
        { question: "Is it a title?", weight: 50 },
        { question: "Is it appealing?", weight: 90, must_pass: true },
      ],
    });
    expect(again.json.id).toBe(res.json.id);
    expect(again.json.cached).toBe(true);
  });

  it("GET /v1/checklists/{id} returns it, and 404 for an unknown id", async () => {
    const t = makeApp({});
    const created = await t.post("/v1/checklists", { instruction: "x", items: [{ question: "y?" }] });
    const got = await t.get(`/v1/checklists/${created.json.id}`);
    expect(got.status).toBe(200);
    expect(got.json.items).toEqual(created.json.items);
    const missing = await t.get("/v1/checklists/cl_0000");
    expect(missing.status).toBe(404);
    expect(missing.json.detail).toContain("cl_0000");
  });

  it("422 for bad items and bounds", async () => {
    const t = makeApp({});
    const cases = [
      [{ instruction: "x", items: [] }, "/items"],
      [{ instruction: "x", items: [{ question: "q", must_pass: "yes" }] }, "/items/0/must_pass"],
      [{ instruction: "x", max_items: 13 }, "/max_items"],
      [{ instruction: "x", max_items: 1 }, "/max_items"],
      [{ instruction: 42 }, "/instruction"],
      [{ instruction: "x", context: 5 }, "/context"],
    ] as const;
    for (const [body, path] of cases) {
      const res = await t.post("/v1/checklists", body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.json.errors.map((e: any) => e.path)).toContain(path);
    }
  });
});
