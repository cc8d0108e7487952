import { describe, expect, it } from "vitest";
import { useFakeUpstream } from "../support/file-fake";
import { infobench, makeApp, payloadOf, upstreamEnv } from "../support/harness";

const fake = useFakeUpstream();

const row = infobench.find((r) => r.eval.includes(false) && r.decomposed_questions.length >= 3)!;
const items = row.decomposed_questions.slice(0, 3).map((question, i) => ({ question, weight: [100, 50, 50][i], must_pass: i === 0 }));
const request = { instruction: row.instruction, context: row.input || null, response: row.output, checklist: { items } };

/** Verdicts per response text (Y/N per item); the reviser answers with `revisions[k]` for the k-th response it sees. */
function script(verdicts: Record<string, string>, revisions: Record<string, string> = {}) {
  fake.answer = (_id, index, call) => ({
    verdict: verdicts[payloadOf(call).response]![index] === "Y" ? "YES" : "NO",
    rationale: `judged item ${index + 1}`,
  });
  fake.text = (call) => revisions[payloadOf(call).response] ?? "unscripted";
}

describe("POST /v1/refinements — happy paths", () => {
  it("revises from the failed items until everything passes", async () => {
    const t = makeApp({ ...upstreamEnv(fake), TICKBOX_REVISER_MODEL: "reviser-test" });
    script({ [row.output]: "YNN", v1: "YYN", v2: "YYY" }, { [row.output]: "v1", v1: "v2" });
    const res = await t.post("/v1/refinements", request);
    expect(res.status).toBe(200);
    const body = res.json;
    expect(body.rounds.map((r: any) => r.response)).toEqual([row.output, "v1", "v2"]);
    expect(body.rounds.map((r: any) => r.failed_items.map((f: any) => f.item_id))).toEqual([["q2", "q3"], ["q3"], []]);
    expect(body.rounds[0].failed_items[0]).toEqual({ item_id: "q2", question: items[1]!.question, rationale: "judged item 2" });
    expect(body.stop_reason).toBe("all_passed");
    expect(body.best).toEqual(body.rounds[2]);
    expect(body.best.scores.weighted).toBe(1);
    expect(body.reviser_model).toBe("reviser-test");
    expect(fake.calls.map((c) => c.kind)).toEqual(["grading", "other", "grading", "other", "grading"]);
    // The reviser sees the instruction, the current response and the failed items with their rationales.
    const revise = fake.calls[1]!;
    expect(revise.body.model).toBe("reviser-test");
    expect(revise.body.response_format).toBeUndefined();
    expect(payloadOf(revise)).toEqual({
      instruction: row.instruction,
      context: row.input || null,
      response: row.output,
      failed_questions: [
        { question: items[1]!.question, reason: "judged item 2" },
        { question: items[2]!.question, reason: "judged item 3" },
      ],
    });
    expect(fake.calls[2]!.body.model).toBe("judge-test");
    expect(body.usage.upstream_calls).toBe(5);
  });

  it("stops at once when the response already passes every item", async () => {
    const t = makeApp(upstreamEnv(fake));
    script({ [row.output]: "YYY" });
    const res = await t.post("/v1/refinements", request);
    expect(res.json.stop_reason).toBe("all_passed");
    expect(res.json.rounds).toHaveLength(1);
    expect(res.json.best.round).toBe(0);
    expect(res.json.reviser_model).toBe("judge-test");
    expect(fake.calls.map((c) => c.kind)).toEqual(["grading"]);
  });

  it("stops at max_rounds with items still failing", async () => {
    const t = makeApp(upstreamEnv(fake));
    script({ [row.output]: "YNN", v1: "YYN" }, { [row.output]: "v1" });
    const res = await t.post("/v1/refinements", { ...request, max_rounds: 1 });
    expect(res.json.stop_reason).toBe("max_rounds");
    expect(res.json.rounds).toHaveLength(2);
    expect(res.json.best.response).toBe("v1");
  });

  it("stops when a revision would make it worse, and keeps the original as best", async () => {
    const t = makeApp(upstreamEnv(fake));
    // The revision gains an item but loses the must-pass one: it ranks below the original.
    script({ [row.output]: "YNN", worse: "NYY" }, { [row.output]: "worse" });
    const res = await t.post("/v1/refinements", request);
    expect(res.json.stop_reason).toBe("no_improvement");
    expect(res.json.rounds.map((r: any) => r.response)).toEqual([row.output, "worse"]);
    expect(res.json.rounds[1].scores.weighted).toBe(0.5);
    expect(res.json.best.round).toBe(0);
    expect(res.json.best.response).toBe(row.output);
  });

  it("stops when a revision does not improve the weighted score, keeping the earlier response", async () => {
    const t = makeApp(upstreamEnv(fake));
    script({ [row.output]: "YNN", v1: "YYN", same: "YNY" }, { [row.output]: "v1", v1: "same" });
    const res = await t.post("/v1/refinements", request);
    expect(res.json.stop_reason).toBe("no_improvement");
    expect(res.json.rounds).toHaveLength(3);
    expect(res.json.best.response).toBe("v1");
  });

  it("caches revisions and gradings: a repeat costs nothing", async () => {
    const t = makeApp(upstreamEnv(fake));
    script({ [row.output]: "YNN", v1: "YYY" }, { [row.output]: "v1" });
    const first = await t.post("/v1/refinements", request);
    const again = await t.post("/v1/refinements", request);
    expect(fake.calls).toHaveLength(3);
    expect(again.json).toEqual({ ...first.json, usage: { upstream_calls: 0, prompt_tokens: 0, completion_tokens: 0 } });
  });
});
