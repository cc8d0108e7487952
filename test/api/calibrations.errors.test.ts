import { describe, expect, it } from "vitest";
import { pointwiseExamples } from "../support/calibration-data";
import { useFakeUpstream } from "../support/file-fake";
import { makeApp, upstreamEnv } from "../support/harness";

const fake = useFakeUpstream();

function expectProblem(res: { status: number; headers: Headers; json: any }, status: number, code: string, paths?: string[]) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toContain("application/problem+json");
  expect(res.json).toMatchObject({ status, code, type: `/problems/${code}` });
  expect(res.json.detail.length).toBeGreaterThan(0);
  if (paths) expect(res.json.errors.map((e: any) => e.path).sort()).toEqual([...paths].sort());
}

const examples = pointwiseExamples(120, 5);
const pairwise = examples.map((e) => ({ p_a: e.p, label: e.label === 1 ? "a" : "b" }));

describe("POST /v1/calibrations — bad requests", () => {
  it("422 for p outside [0, 1] and labels that are not 0/1, at their paths", async () => {
    const t = makeApp();
    const bad = examples.map((e, i) => (i === 3 ? { p: 1.2, label: 1 } : i === 7 ? { p: 0.4, label: 2 } : e));
    const res = await t.post("/v1/calibrations", { name: "x", kind: "pointwise", examples: bad });
    expectProblem(res, 422, "validation_failed", ["/examples/3/p", "/examples/7/label"]);
    expect(res.json.detail).toContain("/examples/3/p");
  });

  it("422 for labels of the wrong kind, and signals of the wrong kind", async () => {
    const t = makeApp();
    const mixed = pairwise.map((e, i) => (i === 2 ? { p_a: 0.3, label: 1 } : e));
    expectProblem(await t.post("/v1/calibrations", { name: "x", kind: "pairwise", examples: mixed }), 422, "validation_failed", ["/examples/2/label"]);
    const asPoint = examples.map((e, i) => (i === 4 ? { p_a: 0.3, label: 1 } : e));
    expectProblem(await t.post("/v1/calibrations", { name: "x", kind: "pointwise", examples: asPoint }), 422, "validation_failed", ["/examples/4/p_a"]);
    const both = examples.map((e, i) => (i === 1 ? { p: 0.3, evaluation_id: "ev_x", label: 1 } : e));
    expectProblem(await t.post("/v1/calibrations", { name: "x", kind: "pointwise", examples: both }), 422, "validation_failed", ["/examples/1"]);
  });

  it("422 for too few examples for the requested method, saying how many it needs", async () => {
    const t = makeApp();
    const res = await t.post("/v1/calibrations", { name: "x", kind: "pointwise", method: "isotonic", examples });
    expectProblem(res, 422, "validation_failed", ["/examples"]);
    expect(res.json.detail).toMatch(/isotonic.*at least 998.*got 120/);
    const few = await t.post("/v1/calibrations", { name: "x", kind: "pointwise", method: "platt", examples: examples.slice(0, 30) });
    expectProblem(few, 422, "validation_failed", ["/examples"]);
  });

  it("422 for a signal named for a pairwise profile", async () => {
    const t = makeApp();
    expectProblem(await t.post("/v1/calibrations", { name: "x", kind: "pairwise", examples: pairwise, signal: "soft" }), 422, "validation_failed", ["/signal"]);
  });

  it("404 for an evaluation id that does not exist, naming the example", async () => {
    const t = makeApp();
    const withRef = examples.map((e, i) => (i === 2 ? { evaluation_id: "ev_missing", label: 1 } : e));
    const res = await t.post("/v1/calibrations", { name: "x", kind: "pointwise", examples: withRef });
    expectProblem(res, 404, "not_found", ["/examples/2/evaluation_id"]);
  });

  it("422 for a cascade whose judges disagree on an item's label, or list other items", async () => {
    const t = makeApp();
    const other = pairwise.map((e, i) => (i === 4 ? { ...e, label: e.label === "a" ? "b" : "a" } : e));
    const res = await t.post("/v1/calibrations", {
      name: "x",
      kind: "pairwise",
      judges: [
        { model: "m1", examples: pairwise },
        { model: "m2", examples: other },
      ],
    });
    expectProblem(res, 422, "validation_failed", ["/judges/1/examples/4/label"]);
    const short = await t.post("/v1/calibrations", {
      name: "x",
      kind: "pairwise",
      judges: [
        { model: "m1", examples: pairwise },
        { model: "m2", examples: pairwise.slice(1) },
      ],
    });
    expectProblem(short, 422, "validation_failed", ["/judges/1/examples"]);
  });

  it("422 for examples and judges together, for neither, and for unknown fields", async () => {
    const t = makeApp();
    expectProblem(
      await t.post("/v1/calibrations", {
        name: "x",
        kind: "pairwise",
        examples: pairwise,
        judges: [
          { model: "m", examples: pairwise },
          { model: "n", examples: pairwise },
        ],
      }),
      422,
      "validation_failed",
    );
    expectProblem(await t.post("/v1/calibrations", { name: "x", kind: "pairwise" }), 422, "validation_failed", ["/examples"]);
    expectProblem(await t.post("/v1/calibrations", { name: "x", kind: "pairwise", examples: pairwise, pooled: true }), 422, "validation_failed", ["/pooled"]);
    expectProblem(
      await t.post("/v1/calibrations", { name: "x", kind: "pointwise", examples, target: { alpha: 1.5, delta: 0.1 }, extra: 1 }),
      422,
      "validation_failed",
      ["/extra", "/target/alpha"],
    );
  });
});

describe("unknown ids and mismatched signals", () => {
  it("404 for an unknown calibration, on every route that takes one", async () => {
    const t = makeApp(upstreamEnv(fake));
    expectProblem(await t.get("/v1/calibrations/cb_nope"), 404, "not_found");
    expectProblem(await t.get("/v1/calibrations/cb_nope/reliability.svg"), 404, "not_found");
    expectProblem(await t.post("/v1/confidence", { calibration_id: "cb_nope", p: 0.5 }), 404, "not_found", ["/calibration_id"]);
    const ev = await t.post("/v1/evaluations", {
      instruction: "Say hi.",
      response: "hi",
      checklist: { items: [{ question: "Is it a greeting?" }] },
      calibration_id: "cb_nope",
    });
    expectProblem(ev, 404, "not_found", ["/calibration_id"]);
    expect(fake.calls).toHaveLength(0);
  });

  it("422 for a signal the profile cannot take, or none, or two", async () => {
    const t = makeApp(upstreamEnv(fake));
    const point = (await t.post("/v1/calibrations", { name: "p", kind: "pointwise", examples })).json.id;
    const pair = (await t.post("/v1/calibrations", { name: "q", kind: "pairwise", examples: pairwise })).json.id;
    expectProblem(await t.post("/v1/confidence", { calibration_id: point, p_a: 0.4 }), 422, "validation_failed", ["/p_a"]);
    expectProblem(await t.post("/v1/confidence", { calibration_id: pair, p: 0.4 }), 422, "validation_failed", ["/p"]);
    expectProblem(await t.post("/v1/confidence", { calibration_id: point }), 422, "validation_failed");
    expectProblem(await t.post("/v1/confidence", { calibration_id: point, p: 0.4, evaluation_id: "ev_x" }), 422, "validation_failed");
    expectProblem(await t.post("/v1/confidence", { calibration_id: point, p: 1.4 }), 422, "validation_failed", ["/p"]);
    expectProblem(await t.post("/v1/confidence", { calibration_id: point, p: 0.4, stage: 1 }), 422, "validation_failed", ["/stage"]);
    expectProblem(await t.post("/v1/confidence", { calibration_id: point, p: 0.4, previous: [0.3] }), 422, "validation_failed", ["/previous"]);
    expectProblem(await t.post("/v1/confidence", { calibration_id: point, evaluation_id: "ev_missing" }), 404, "not_found", ["/evaluation_id"]);
    const ev = await t.post("/v1/evaluations", {
      instruction: "Say hi.",
      response: "hi",
      checklist: { items: [{ question: "Is it a greeting?" }] },
      calibration_id: pair,
    });
    expectProblem(ev, 422, "validation_failed", ["/calibration_id"]);
    expect(fake.calls).toHaveLength(0);
  });

  it("422 for a stored evaluation graded by a model the profile does not calibrate", async () => {
    const t = makeApp(upstreamEnv(fake));
    const ev = (await t.post("/v1/evaluations", { instruction: "Say hi.", response: "hi", checklist: { items: [{ question: "Is it a greeting?" }] } })).json;
    const other = (await t.post("/v1/calibrations", { name: "o", kind: "pointwise", judge: "another-model", examples })).json.id;
    const res = await t.post("/v1/confidence", { calibration_id: other, evaluation_id: ev.id });
    expectProblem(res, 422, "validation_failed", ["/evaluation_id"]);
    expect(res.json.detail).toContain("judge-test");
  });

  it("422 for evaluation examples graded by another model than the judge the profile names", async () => {
    const t = makeApp({ ...upstreamEnv(fake), TICKBOX_JUDGE_MODELS: "judge-z,judge-other" });
    const item = { instruction: "Say hi.", checklist: { items: [{ question: "Is it a greeting?" }] } };
    const graded: string[] = [];
    for (let i = 0; i < 60; i++) graded.push((await t.post("/v1/evaluations", { ...item, response: `hi ${i}` })).json.id);
    expect(new Set(fake.calls.map((c) => c.body.model))).toEqual(new Set(["judge-test"]));
    const labelled = graded.map((evaluation_id, i) => ({ evaluation_id, label: i % 3 === 0 ? 0 : 1 }));

    const named = await t.post("/v1/calibrations", { name: "x", kind: "pointwise", judge: "judge-z", examples: labelled });
    expectProblem(named, 422, "validation_failed", ["/examples/0/evaluation_id"]);
    expect(named.json.detail).toContain("graded by judge-test, but this profile's judge is judge-z");
    const cascade = await t.post("/v1/calibrations", {
      name: "x",
      kind: "pointwise",
      judges: [
        { model: "judge-test", examples: labelled },
        { model: "judge-z", examples: labelled },
      ],
    });
    expectProblem(cascade, 422, "validation_failed", ["/judges/1/examples/0/evaluation_id"]);

    // Unnamed, the profile's judge is the model that graded its examples; every stored evaluation
    // it was fitted on is then one it answers for.
    const unnamed = await t.post("/v1/calibrations", { name: "x", kind: "pointwise", examples: labelled });
    expect(unnamed.status).toBe(200);
    expect(unnamed.json.judge).toBe("judge-test");
    expect((await t.post("/v1/confidence", { calibration_id: unnamed.json.id, evaluation_id: graded[0] })).status).toBe(200);

    // An evaluation graded by another model among them is named.
    const other = (await t.post("/v1/calibrations", { name: "o", kind: "pointwise", judge: "judge-other", examples })).json.id;
    const foreign = (await t.post("/v1/evaluations", { ...item, response: "hello", calibration_id: other })).json.id;
    expect(fake.calls.at(-1)!.body.model).toBe("judge-other");
    const mixed = labelled.map((e, i) => (i === 5 ? { evaluation_id: foreign, label: 1 } : e));
    const res = await t.post("/v1/calibrations", { name: "x", kind: "pointwise", examples: mixed });
    expectProblem(res, 422, "validation_failed", ["/examples/5/evaluation_id"]);
    expect(res.json.detail).toContain("graded by judge-other, but the earlier evaluation examples were graded by judge-test");
  });

  it("draws each judge of a cascade, and 422 for a judge it does not have", async () => {
    const t = makeApp();
    const id = (
      await t.post("/v1/calibrations", {
        name: "c",
        kind: "pairwise",
        judges: [
          { model: "m1", examples: pairwise },
          { model: "m2", examples: pairwise },
        ],
      })
    ).json.id;
    const second = await t.get(`/v1/calibrations/${id}/reliability.svg?judge=1`);
    expect(second.status).toBe(200);
    expect(second.text).toContain("(m2)");
    expectProblem(await t.get(`/v1/calibrations/${id}/reliability.svg?judge=2`), 422, "validation_failed", ["/judge"]);
  });
});
