import { describe, expect, it } from "vitest";
import { useFakeUpstream } from "../support/file-fake";
import { infobench, makeApp, payloadOf, upstreamEnv } from "../support/harness";

const fake = useFakeUpstream();

const row = infobench.find((r) => r.decomposed_questions.length >= 3)!;
const items = [
  { question: row.decomposed_questions[0]!, weight: 100, must_pass: true },
  { question: row.decomposed_questions[1]!, weight: 50 },
  { question: row.decomposed_questions[2]!, weight: 50 },
];

/** Scripts verdicts per candidate text: a string of Y/N per item, with optional p(YES) per item. */
function verdictsByResponse(table: Record<string, { v: string; p?: number[] }>) {
  fake.answer = (_id, index, call) => {
    const entry = table[payloadOf(call).response]!;
    const yes = entry.v[index] === "Y";
    return { verdict: yes ? "YES" : "NO", p_yes: entry.p?.[index] ?? (yes ? 0.99 : 0.01) };
  };
}

describe("POST /v1/selections — happy paths", () => {
  it("generates one checklist, grades every candidate once, and ranks them consistently with their scores", async () => {
    const t = makeApp(upstreamEnv(fake));
    fake.checklist = items.map((i) => ({ ...i, must_pass: i.must_pass ?? false }));
    const candidates = [row.output, "A weak answer.", "A middling answer.", "Fails the essential part."];
    verdictsByResponse({
      [row.output]: { v: "YYY" },
      "A weak answer.": { v: "YNN" },
      "A middling answer.": { v: "YYN" },
      "Fails the essential part.": { v: "NYY" },
    });
    const res = await t.post("/v1/selections", { instruction: row.instruction, context: row.input || null, candidates });
    expect(res.status).toBe(200);
    const body = res.json;
    expect(fake.calls.map((c) => c.kind)).toEqual(["checklist", "grading", "grading", "grading", "grading"]);
    expect(body.usage.upstream_calls).toBe(5);
    expect(body.winner).toBe(0);
    expect(body.ranking.map((r: any) => r.index)).toEqual([0, 2, 1, 3]);
    expect(body.ranked_by).toBe("weighted_then_soft");
    // The must-pass failure is last although its weighted score (0.5) equals candidate 1's.
    expect(body.ranking[3].must_pass_met).toBe(false);
    for (let i = 1; i < body.ranking.length; i++) {
      const [above, below] = [body.ranking[i - 1], body.ranking[i]];
      if (above.must_pass_met === below.must_pass_met) expect(above.scores.weighted).toBeGreaterThanOrEqual(below.scores.weighted);
      else expect(above.must_pass_met).toBe(true);
    }
    // YYY at 0.99 against YYN at 0.99/0.01: the runner-up overtakes only if its third item flips
    // and one of the winner's does not hold.
    expect(body.p_ahead).toBeGreaterThan(0.95);
    expect(body.decisive).toBe(true);
    expect(body.margin).toBeCloseTo(body.ranking[0].scores.weighted - body.ranking[1].scores.weighted, 12);
    // Each grading is an evaluation like any other.
    const ev = await t.get(`/v1/evaluations/${body.ranking[1].evaluation_id}`);
    expect(ev.json.checklist.id).toBe(body.checklist_id);
    expect(ev.json.scores).toEqual(body.ranking[1].scores);
  });

  it("costs nothing when repeated, and nothing for a candidate graded before", async () => {
    const t = makeApp(upstreamEnv(fake));
    const base = { instruction: row.instruction, checklist: { items } };
    await t.post("/v1/evaluations", { ...base, response: "Seen before." });
    expect(fake.calls).toHaveLength(1);
    const first = await t.post("/v1/selections", { ...base, candidates: ["Seen before.", "New one.", "Another new one."] });
    expect(first.status).toBe(200);
    expect(fake.calls).toHaveLength(3);
    expect(first.json.usage.upstream_calls).toBe(2);
    const again = await t.post("/v1/selections", { ...base, candidates: ["Seen before.", "New one.", "Another new one."] });
    expect(fake.calls).toHaveLength(3);
    expect(again.json.usage).toEqual({ upstream_calls: 0, prompt_tokens: 0, completion_tokens: 0 });
    expect(again.json.ranking).toEqual(first.json.ranking);
  });

  it("grades the candidates concurrently: all are sent before the first answer returns", async () => {
    const t = makeApp(upstreamEnv(fake));
    fake.latencyMs = 300;
    const arrivals: number[] = [];
    fake.answer = (_id, index) => {
      if (index === 0) arrivals.push(performance.now());
      return { verdict: "YES", p_yes: 0.9 };
    };
    const candidates = Array.from({ length: 8 }, (_, i) => `Candidate ${i}.`);
    const res = await t.post("/v1/selections", { instruction: "Say hello.", checklist: { items }, candidates });
    expect(res.status).toBe(200);
    expect(arrivals).toHaveLength(8);
    expect(Math.max(...arrivals) - Math.min(...arrivals)).toBeLessThan(300);
  });

  it("orders a verdict tie by the soft score, and calls it decisive only if the judge's p(YES) would keep it", async () => {
    const t = makeApp(upstreamEnv(fake));
    verdictsByResponse({ shaky: { v: "YYY", p: [0.9, 0.999, 0.999] }, steady: { v: "YYY", p: [0.97, 0.9, 0.9] } });
    const res = await t.post("/v1/selections", { instruction: "i", checklist: { items }, candidates: ["shaky", "steady"] });
    const [shaky, steady] = [0, 1].map((i) => res.json.ranking.find((r: any) => r.index === i));
    expect(shaky.scores.soft).toBeGreaterThan(steady.scores.soft);
    expect(res.json.winner).toBe(0);
    expect(res.json).toMatchObject({ ranked_by: "weighted_then_soft", margin: 0, tied: [0], decisive: false });
    expect(res.json.p_ahead).toBeLessThan(0.5);
  });

  it("ranks by the weighted score without logprobs, and ties equal candidates", async () => {
    const t = makeApp(upstreamEnv(fake));
    fake.logprobs = "none";
    verdictsByResponse({ x: { v: "YYN" }, y: { v: "YNY" }, z: { v: "YNN" } });
    const body = { instruction: "i", checklist: { items }, candidates: ["z", "x", "y"] };
    const first = await t.post("/v1/selections", body);
    expect(first.json.ranked_by).toBe("weighted");
    expect(first.json.tied).toEqual([1, 2]);
    expect(first.json.winner).toBe(1);
    expect(first.json.ranking.map((r: any) => r.rank)).toEqual([1, 1, 3]);
    expect(first.json).toMatchObject({ margin: 0, p_ahead: null, decisive: false, tie_break: null });
    const none = await t.post("/v1/selections", { ...body, tie_break: "none" });
    expect(none.json.winner).toBeNull();
    expect(fake.calls.filter((c) => c.kind === "comparison")).toHaveLength(0);
  });

  it("settles a tie at the top with one position-swapped comparison", async () => {
    const t = makeApp(upstreamEnv(fake));
    verdictsByResponse({ plain: { v: "YYY" }, better: { v: "YYY" }, worse: { v: "YNN" } });
    // The judge prefers "better" in whichever position it is shown.
    fake.compare = (call) => ({ better: payloadOf(call).first_response === "better" ? "FIRST" : "SECOND", p_first: 0.5 });
    const res = await t.post("/v1/selections", {
      instruction: "i",
      checklist: { items },
      candidates: ["worse", "plain", "better"],
      tie_break: "pairwise",
    });
    expect(res.status).toBe(200);
    expect(res.json.tied).toEqual([1, 2]);
    expect(res.json.winner).toBe(2);
    expect(res.json.ranking[0].index).toBe(2);
    expect(res.json.tie_break).toEqual({ method: "pairwise", between: [1, 2], winner: "b", position_bias: false });
    const comparisons = fake.calls.filter((c) => c.kind === "comparison").map((c) => payloadOf(c).first_response);
    expect(comparisons.sort()).toEqual(["better", "plain"]);
    expect(res.json.usage.upstream_calls).toBe(5);
    expect(res.json.decisive).toBe(false);
  });

  it("keeps the first tied candidate when the pairwise call shows only position bias", async () => {
    const t = makeApp(upstreamEnv(fake));
    const res = await t.post("/v1/selections", { instruction: "i", checklist: { items }, candidates: ["one", "two"], tie_break: "pairwise" });
    expect(res.json.winner).toBe(0);
    expect(res.json.tie_break).toMatchObject({ winner: "tie", position_bias: true });
  });

  it("grades against a stored checklist by id", async () => {
    const t = makeApp(upstreamEnv(fake));
    const checklist = await t.post("/v1/checklists", { instruction: "i", items });
    const res = await t.post("/v1/selections", { instruction: "i", checklist_id: checklist.json.id, candidates: ["a", "b"] });
    expect(res.status).toBe(200);
    expect(res.json.checklist_id).toBe(checklist.json.id);
    expect(fake.calls.every((c) => c.kind === "grading")).toBe(true);
  });
});
