import { describe, expect, it } from "vitest";
import { ADMIN_KEY, bearer, useFakeUpstream } from "../support/file-fake";
import { infobench, makeApp, upstreamEnv } from "../support/harness";
import { makeKey } from "../support/tenants";

const fake = useFakeUpstream();

const row = infobench.find((r) => r.eval.includes(false))!;
// promptfoo's webhook assertion payload, as its documentation and source give it.
const payload = (vars: Record<string, unknown> = {}, prompt = row.instruction) => ({ output: row.output, context: { prompt, vars } });

describe("POST /v1/integrations/promptfoo", () => {
  it("grades the output against the checklist in a var and answers {pass, score, reason}", async () => {
    const t = makeApp(upstreamEnv(fake));
    const res = await t.post("/v1/integrations/promptfoo", payload({ checklist: row.decomposed_questions }));
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ pass: true, score: 1 });
    expect(res.json.reason).toContain(`${row.decomposed_questions.length}/${row.decomposed_questions.length} checklist items met`);
    const grading = fake.calls[0]!;
    expect(grading.kind).toBe("grading");
    // The prompt is the instruction: it travels to the judge as data.
    expect(JSON.stringify(grading.body.messages)).toContain(JSON.stringify(row.instruction).slice(1, 40));
  });

  it("fails with the unmet questions as the reason", async () => {
    const t = makeApp(upstreamEnv(fake));
    fake.answer = (_id, index) => ({ verdict: row.eval[index] ? "YES" : "NO", p_yes: row.eval[index] ? 0.9 : 0.1 });
    const res = await t.post("/v1/integrations/promptfoo", payload({ checklist: row.decomposed_questions.join("\n") }));
    expect(res.status).toBe(200);
    const yes = row.eval.filter(Boolean).length;
    expect(res.json.pass).toBe(false);
    expect(res.json.score).toBeCloseTo(yes / row.eval.length, 10);
    const unmet = row.decomposed_questions.filter((_, i) => !row.eval[i]);
    for (const question of unmet) expect(res.json.reason).toContain(question);
  });

  it("generates the checklist when no var holds one; takes the instruction from a named var", async () => {
    const t = makeApp(upstreamEnv(fake));
    const res = await t.post(
      "/v1/integrations/promptfoo?instruction_var=task",
      payload({ task: "Write a haiku about rain." }, "SYSTEM: be nice\nUSER: Write a haiku about rain."),
    );
    expect(res.status).toBe(200);
    expect(fake.calls.map((c) => c.kind)).toEqual(["checklist", "grading"]);
    expect(JSON.stringify(fake.calls[0]!.body.messages)).toContain("Write a haiku about rain.");
    expect(JSON.stringify(fake.calls[0]!.body.messages)).not.toContain("SYSTEM: be nice");
  });

  it("ignores members promptfoo may add, and 422s a checklist var of the wrong shape", async () => {
    const t = makeApp(upstreamEnv(fake));
    const extra = {
      ...payload({ checklist: ["Is it polite?"] }),
      test: { description: "x" },
      context: { prompt: "Reply.", vars: { checklist: ["Is it polite?"] }, provider: { id: "echo" } },
    };
    expect((await t.post("/v1/integrations/promptfoo", extra)).status).toBe(200);
    const bad = await t.post("/v1/integrations/promptfoo", payload({ checklist: [42] }));
    expect(bad.status).toBe(422);
    expect(bad.json.errors[0].path).toBe("/context/vars/checklist/0");
  });
});

describe("POST /v1/integrations/promptfoo, under the caller's key", () => {
  it("grades as the caller's tenant, whose key then reads the evaluation it names, and no other tenant's", async () => {
    const t = makeApp({ ...upstreamEnv(fake), TICKBOX_ADMIN_KEY: ADMIN_KEY });
    const acme = await makeKey(t, { name: "acme", tenant: "acme", scopes: ["evaluate"] });
    const globex = await makeKey(t, { name: "globex", tenant: "globex", scopes: ["evaluate"] });
    const res = await t.post("/v1/integrations/promptfoo", payload({ checklist: row.decomposed_questions }), bearer(acme.key));
    expect(res.status).toBe(200);
    expect((await t.send("GET", `/v1/evaluations/${res.json.evaluation_id}`, undefined, bearer(acme.key))).status).toBe(200);
    expect((await t.send("GET", `/v1/evaluations/${res.json.evaluation_id}`, undefined, bearer(globex.key))).status).toBe(404);
    const usage = (await t.send("GET", "/v1/usage", undefined, bearer(acme.key))).json.usage[0];
    expect(usage.upstream_calls).toBe(fake.calls.length);
  });
});
