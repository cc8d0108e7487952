import { describe, expect, it } from "vitest";
import { type FakeUpstream } from "../support/fake-upstream";
import { useFakeUpstream } from "../support/file-fake";
import { infobench, makeApp, payloadOf, upstreamEnv } from "../support/harness";

const fake = useFakeUpstream();

const row = infobench.find((r) => r.eval.includes(false) && r.eval.length >= 3)!;
const weak = "I cannot help with that.";
const request = {
  instruction: row.instruction,
  context: row.input || null,
  a: row.output,
  b: weak,
  checklist: { items: row.decomposed_questions.map((question) => ({ question })) },
};

/** The judge prefers `text` whichever position it is shown in, with p(FIRST) = p when it is first. */
function prefers(text: string, p = 0.9) {
  fake.compare = (call) => {
    const first = payloadOf(call).first_response === text;
    return { better: first ? "FIRST" : "SECOND", p_first: first ? p : 1 - p };
  };
}

describe("POST /v1/comparisons — happy paths", () => {
  it("by checklist (the default): grades both against one checklist and compares them", async () => {
    const t = makeApp(upstreamEnv(fake));
    fake.answer = (_id, index, call) => ({ verdict: payloadOf(call).response === weak || !row.eval[index] ? "NO" : "YES" });
    const res = await t.post("/v1/comparisons", request);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ winner: "a", checklist_winner: "a", p_a: null, position_bias: false, method: "checklist" });
    expect(res.json.scores.a.scores.pass_rate).toBeCloseTo(row.eval.filter(Boolean).length / row.eval.length, 10);
    expect(res.json.scores.b.scores.pass_rate).toBe(0);
    expect(res.json.orders).toBeUndefined();
    expect(fake.calls.map((c) => c.kind)).toEqual(["grading", "grading"]);
    const ev = await t.get(`/v1/evaluations/${res.json.scores.b.evaluation_id}`);
    expect(ev.json.checklist.id).toBe(res.json.checklist_id);
  });

  it("directly: asks twice with the order swapped; the better side wins both and p(a) is averaged", async () => {
    const t = makeApp(upstreamEnv(fake));
    prefers(row.output, 0.8);
    const res = await t.post("/v1/comparisons", { ...request, method: "direct" });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ winner: "a", position_bias: false, method: "direct" });
    expect(res.json.p_a).toBeCloseTo(0.8, 6);
    expect(res.json.scores).toBeUndefined();
    const calls = fake.calls.filter((c) => c.kind === "comparison").map(payloadOf);
    expect(calls).toHaveLength(2);
    expect(calls.map((p) => [p.first_response, p.second_response]).sort()).toEqual([[row.output, weak], [weak, row.output]].sort());
    expect(res.json.orders.map((o: any) => [o.shown_first, o.preferred])).toEqual([["a", "a"], ["b", "a"]]);
    expect(fake.calls[0]!.body.response_format.json_schema.schema.title).toBe("tickbox_comparison");
    expect(res.json.usage.upstream_calls).toBe(2);
  });

  it("calls a tie with position bias when the judge always prefers the first position", async () => {
    const t = makeApp(upstreamEnv(fake));
    fake.compare = () => ({ better: "FIRST", p_first: 0.7 });
    const res = await t.post("/v1/comparisons", { ...request, method: "direct" });
    expect(res.json).toMatchObject({ winner: "tie", position_bias: true });
    expect(res.json.orders.map((o: any) => o.preferred)).toEqual(["a", "b"]);
    // p(a) = (0.7 with a first + 0.3 with b first) / 2.
    expect(res.json.p_a).toBeCloseTo(0.5, 6);
  });

  it("caches each ordered judgement: a repeat, and the same pair swapped, cost nothing", async () => {
    const t = makeApp(upstreamEnv(fake));
    prefers(weak, 0.6);
    const first = await t.post("/v1/comparisons", { ...request, method: "direct" });
    expect(first.json.winner).toBe("b");
    const again = await t.post("/v1/comparisons", { ...request, method: "direct" });
    const swapped = await t.post("/v1/comparisons", { ...request, a: weak, b: row.output, method: "direct" });
    expect(fake.calls).toHaveLength(2);
    expect(again.json).toEqual({ ...first.json, usage: { upstream_calls: 0, prompt_tokens: 0, completion_tokens: 0 } });
    expect(swapped.json.winner).toBe("a");
    expect(swapped.json.p_a).toBeCloseTo(1 - first.json.p_a, 10);
  });

  it("with both: the checklist decides, and the direct judgement settles a checklist tie", async () => {
    const t = makeApp(upstreamEnv(fake));
    prefers(weak);
    fake.answer = () => ({ verdict: "YES" });
    const tied = await t.post("/v1/comparisons", { ...request, method: "both" });
    expect(tied.json).toMatchObject({ checklist_winner: "tie", winner: "b", method: "both" });
    expect(tied.json.usage.upstream_calls).toBe(4);
    // New texts: the first pair's gradings are cached.
    fake.answer = (_id, _i, call) => ({ verdict: payloadOf(call).response === "Another weak one." ? "NO" : "YES" });
    const decided = await t.post("/v1/comparisons", { ...request, a: "Another good one.", b: "Another weak one.", method: "both" });
    expect(decided.json).toMatchObject({ checklist_winner: "a", winner: "a" });
  });

  it("reports p_a null when the server sends no logprobs", async () => {
    const t = makeApp(upstreamEnv(fake));
    fake.logprobs = "none";
    prefers(row.output);
    const res = await t.post("/v1/comparisons", { ...request, method: "direct" });
    expect(res.json.winner).toBe("a");
    expect(res.json.p_a).toBeNull();
  });
});
