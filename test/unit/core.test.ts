import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig, upstreamSettings } from "../../src/config";
import { extractJson, gradingSchema } from "../../src/judge/output";
import { computeScores, hasPassed } from "../../src/judge/scores";
import { Limiter } from "../../src/llm/limiter";
import { canonicalJson, fingerprint } from "../../src/store/fingerprint";

describe("fingerprints", () => {
  it("do not depend on key order or undefined members", async () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: undefined }] })).toBe('{"a":[{"d":2}],"b":1}');
    expect(await fingerprint({ x: 1, y: "é" })).toBe(await fingerprint({ y: "é", x: 1 }));
    expect(await fingerprint({ x: 1 })).not.toBe(await fingerprint({ x: 2 }));
    expect(await fingerprint("")).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("scores", () => {
  const items = [
    { weight: 100, must_pass: true },
    { weight: 50, must_pass: false },
    { weight: 25, must_pass: false },
  ];
  it("computes pass rate, weighted and soft scores", () => {
    const results = [
      { verdict: "YES" as const, p_yes: 0.9 },
      { verdict: "NO" as const, p_yes: 0.2 },
      { verdict: "YES" as const, p_yes: 0.6 },
    ];
    const scores = computeScores(items, results);
    expect(scores.pass_rate).toBeCloseTo(2 / 3, 12);
    expect(scores.weighted).toBeCloseTo(125 / 175, 12);
    expect(scores.soft).toBeCloseTo((90 + 10 + 15) / 175, 12);
    expect(hasPassed(items, results, scores.weighted, 0.7)).toBe(true);
    expect(hasPassed(items, results, scores.weighted, 0.72)).toBe(false);
  });
  it("has no soft score when any p(YES) is missing, and fails on a must-pass NO", () => {
    const results = [
      { verdict: "NO" as const, p_yes: 0.4 },
      { verdict: "YES" as const, p_yes: null },
      { verdict: "YES" as const, p_yes: 0.6 },
    ];
    const scores = computeScores(items, results);
    expect(scores.soft).toBeNull();
    expect(hasPassed(items, results, scores.weighted, 0)).toBe(false);
  });
});

describe("configuration", () => {
  it("applies the documented defaults", () => {
    const config = parseConfig({});
    expect(config).toMatchObject({
      PORT: 8787,
      HOST: "127.0.0.1",
      TICKBOX_DB: "./data/tickbox.db",
      TICKBOX_UPSTREAM_CONCURRENCY: 16,
      TICKBOX_STRUCTURED_OUTPUT: "json_schema",
    });
    expect(upstreamSettings(config).configured).toBe(false);
  });
  it("names each bad variable", () => {
    expect(() => parseConfig({ PORT: "eighty", TICKBOX_STRUCTURED_OUTPUT: "xml", OPENAI_BASE_URL: "nope" })).toThrow(ConfigError);
    try {
      parseConfig({ PORT: "eighty", TICKBOX_STRUCTURED_OUTPUT: "xml", OPENAI_BASE_URL: "nope" });
    } catch (error) {
      const message = (error as Error).message;
      for (const name of ["PORT", "TICKBOX_STRUCTURED_OUTPUT", "OPENAI_BASE_URL"]) expect(message).toContain(name);
    }
  });
  it("defaults the checklist model to the judge model", () => {
    const settings = upstreamSettings(parseConfig({ OPENAI_BASE_URL: "http://127.0.0.1:1/v1", TICKBOX_JUDGE_MODEL: "m" }));
    expect(settings).toMatchObject({ configured: true, judgeModel: "m", checklistModel: "m" });
  });
});

describe("answer parsing", () => {
  it("finds JSON in plain, fenced and prose-wrapped answers", () => {
    expect(extractJson('{"a":1}')?.value).toEqual({ a: 1 });
    expect(extractJson('```json\n{"a":2}\n```')?.value).toEqual({ a: 2 });
    expect(extractJson('Sure! {"a":3} Hope that helps.')?.value).toEqual({ a: 3 });
    expect(extractJson("no json here")).toBeNull();
  });
  it("specialises the grading schema to the item ids", () => {
    const schema = gradingSchema(["q1", "q2"]) as any;
    expect(schema.required).toEqual(["q1", "q2"]);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.q1.properties.verdict.enum).toEqual(["YES", "NO"]);
  });
});

describe("Limiter", () => {
  it("never runs more than its limit at once", async () => {
    const limiter = new Limiter(3);
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        limiter.run(async () => {
          peak = Math.max(peak, ++running);
          await new Promise((r) => setTimeout(r, 5));
          running--;
        }),
      ),
    );
    expect(peak).toBe(3);
  });
});
