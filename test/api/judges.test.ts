import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { infobenchItems } from "../support/batches";
import { pointwiseExamples } from "../support/calibration-data";
import { useFakeUpstream } from "../support/file-fake";
import { makeApp, upstreamEnv } from "../support/harness";
import { expectProblem } from "../support/problems";

const fake = useFakeUpstream();

const grading = {
  instruction: "Reply to the customer.",
  response: "Thanks, we are on it.",
  checklist: { items: [{ question: "Is it polite?" }, { question: "Is it short?" }] },
};
const pair = { instruction: "Which reply is better?", a: "Thanks, we are on it.", b: "Noted.", method: "direct" };
/** The server's judge model (upstreamEnv's TICKBOX_JUDGE_MODEL) and the ones its operator allows besides. */
const DEFAULT = "judge-test";
const ALLOWED = ["judge-b", "org/judge-c:7b"];
const env = () => ({ ...upstreamEnv(fake), TICKBOX_JUDGE_MODELS: ` ${ALLOWED.join(" , ")} ` });
const upstreamModels = () => fake.calls.map((c) => c.body.model);

describe("a request names its judge", () => {
  it("grades with the model it names when the server allows it, and refuses any other before calling anything", async () => {
    // Any name: one the server grades with is graded by it (and cached under it); any other is a 422 at /judge.
    const names = fc.oneof(fc.constantFrom(DEFAULT, ...ALLOWED), fc.string({ minLength: 1, maxLength: 20 }), fc.constantFrom("judge-B", "judge-b ", "judge"));
    await fc.assert(
      fc.asyncProperty(names, async (name) => {
        const t = makeApp(env());
        fake.reset();
        const res = await t.post("/v1/evaluations", { ...grading, judge: name });
        if ([DEFAULT, ...ALLOWED].includes(name)) {
          expect(res.status).toBe(200);
          expect(res.json.model).toBe(name);
          expect(upstreamModels()).toEqual([name]);
        } else {
          expectProblem(res, 422, "validation_failed");
          expect(res.json.errors).toEqual([
            { path: "/judge", message: expect.stringContaining(`this server grades with ${DEFAULT}, ${ALLOWED.join(", ")}, not ${name}`) },
          ]);
          expect(fake.calls).toHaveLength(0);
        }
        t.close();
      }),
      { numRuns: 40 },
    );
  });

  it("keeps each judge's gradings apart: their own ids, each served from the store the second time", async () => {
    const t = makeApp(env());
    const byDefault = (await t.post("/v1/evaluations", grading)).json;
    const byB = (await t.post("/v1/evaluations", { ...grading, judge: "judge-b" })).json;
    expect([byDefault.model, byB.model]).toEqual([DEFAULT, "judge-b"]);
    expect(byB.id).not.toBe(byDefault.id);
    const calls = fake.calls.length;
    expect((await t.post("/v1/evaluations", { ...grading, judge: "judge-b" })).json.id).toBe(byB.id);
    expect((await t.post("/v1/evaluations", { ...grading, judge: DEFAULT })).json.id).toBe(byDefault.id);
    expect(fake.calls).toHaveLength(calls);
  });

  it("without TICKBOX_JUDGE_MODELS only the judge model may be named", async () => {
    const t = makeApp(upstreamEnv(fake));
    expect((await t.post("/v1/evaluations", { ...grading, judge: DEFAULT })).status).toBe(200);
    const other = await t.post("/v1/evaluations", { ...grading, judge: "judge-b" });
    expectProblem(other, 422, "validation_failed");
    expect(other.json.errors[0].message).toContain(`this server grades with ${DEFAULT}, not judge-b`);
  });

  it("a comparison is made by the judge it names, in both orders", async () => {
    const t = makeApp(env());
    const res = await t.post("/v1/comparisons", { ...pair, judge: "judge-b" });
    expect(res.status).toBe(200);
    expect(upstreamModels()).toEqual(["judge-b", "judge-b"]);
    fake.reset();
    expectProblem(await t.post("/v1/comparisons", { ...pair, judge: "judge-z" }), 422, "validation_failed");
    expect(fake.calls).toHaveLength(0);
  });

  it("a batch naming a judge the server does not allow is refused at the item, and no batch is made", async () => {
    const t = makeApp(env(), { background: true });
    const items = infobenchItems(3).map((item, i) => ({ ...item, judge: i === 2 ? "judge-z" : "judge-b" }));
    const res = await t.post("/v1/batches", items);
    expectProblem(res, 422, "validation_failed");
    expect(res.json.errors[0].path).toBe("/2/judge");
    expect((await t.get("/v1/batches")).json.batches).toEqual([]);
    expect(fake.calls).toHaveLength(0);
  });

  it("a calibration profile grades with its own judge: naming another is refused", async () => {
    const t = makeApp(env());
    const profile = (await t.post("/v1/calibrations", { name: "b", kind: "pointwise", judge: "judge-b", examples: pointwiseExamples(200, 3) })).json;
    const refused = await t.post("/v1/evaluations", { ...grading, judge: DEFAULT, calibration_id: profile.id });
    expectProblem(refused, 422, "validation_failed");
    expect(refused.json.errors[0]).toEqual({ path: "/judge", message: expect.stringContaining("the profile calibrates judge-b") });
    expect(fake.calls).toHaveLength(0);
    const named = await t.post("/v1/evaluations", { ...grading, judge: "judge-b", calibration_id: profile.id });
    expect(named.status).toBe(200);
    expect(named.json.model).toBe("judge-b");
  });

  it("a profile may name any judge, but the server asks only those it allows: a raw signal is taken, a grading is refused, an escalation is handed back", async () => {
    const t = makeApp(env());
    const sharp = pointwiseExamples(300, 5);
    const foreign = (await t.post("/v1/calibrations", { name: "f", kind: "pointwise", judge: "judge-elsewhere", examples: sharp })).json;
    // Its judge's own signal, sent by the caller: no call.
    expect((await t.post("/v1/confidence", { calibration_id: foreign.id, p: 0.99 })).status).toBe(200);
    for (const [path, body] of [
      ["/v1/evaluations", { ...grading, calibration_id: foreign.id }],
      ["/v1/confidence", { calibration_id: foreign.id, instruction: grading.instruction, response: grading.response, checklist: grading.checklist }],
    ] as const) {
      const refused = await t.post(path, body);
      expectProblem(refused, 422, "validation_failed");
      expect(refused.json.errors[0]).toEqual({
        path: "/calibration_id",
        message: expect.stringContaining("judge-elsewhere is not one this server grades with"),
      });
    }
    expect(fake.calls).toHaveLength(0);
    // A cascade whose first judge is allowed and whose second is not: the second is named, not asked.
    // The first judge says next to nothing (its p near 0.5 whatever the label), so it abstains.
    const unsure = sharp.map((e, i) => ({ ...e, p: 0.48 + (0.04 * ((i * 7919) % 100)) / 100 }));
    const made = await t.post("/v1/calibrations", {
      name: "c",
      kind: "pointwise",
      judges: [
        { model: DEFAULT, examples: unsure },
        { model: "judge-elsewhere", examples: sharp },
      ],
    });
    expect(made.status, JSON.stringify(made.json)).toBe(200);
    const cascade = made.json;
    fake.answer = () => ({ verdict: "YES", p_yes: 0.5 });
    const routed = await t.post("/v1/evaluations", { ...grading, calibration_id: cascade.id });
    expect(routed.status).toBe(200);
    expect(routed.json.confidence).toMatchObject({ abstain: true, escalate_to: { stage: 1, judge: "judge-elsewhere" } });
    expect(upstreamModels()).toEqual([DEFAULT]);
  });

  it("a profile that names no judge calibrates the server's own: another judge's grading is refused", async () => {
    const t = makeApp(env());
    const plain = (await t.post("/v1/calibrations", { name: "p", kind: "pointwise", examples: pointwiseExamples(200, 7) })).json;
    const byDefault = (await t.post("/v1/evaluations", grading)).json;
    const byB = (await t.post("/v1/evaluations", { ...grading, judge: "judge-b" })).json;
    expect((await t.post("/v1/confidence", { calibration_id: plain.id, evaluation_id: byDefault.id })).status).toBe(200);
    const refused = await t.post("/v1/confidence", { calibration_id: plain.id, evaluation_id: byB.id });
    expectProblem(refused, 422, "validation_failed");
    expect(refused.json.errors[0].path).toBe("/evaluation_id");
  });
});
