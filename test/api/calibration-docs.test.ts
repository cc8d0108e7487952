// What the API reference says about fitting and certifying profiles, checked against what the
// service does: every label count it names as a boundary of `auto`, on both sides, and the scale
// each kind's threshold applies to.
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { makeApp } from "../support/harness";

const t = makeApp();
const spec = async () => parse((await t.get("/openapi.yaml")).text);
const count = (s: string) => Number(s.replace(/,/g, ""));

/** Examples of either kind whose labels both classes share, of a judge right two times in three. */
function examples(kind: "pointwise" | "pairwise", n: number) {
  return Array.from({ length: n }, (_, i) => {
    const p = ((i * 0.6180339887) % 1) * 0.98 + 0.01;
    const positive = p >= 0.5 === (i % 3 !== 0);
    return kind === "pointwise" ? { p, label: positive ? 1 : 0 } : { p_a: p, label: positive ? "a" : "b" };
  });
}

describe("the API reference on calibration profiles", () => {
  it("names the label counts at which auto moves from one map to the next, as the service moves", { timeout: 60_000 }, async () => {
    const text: string = (await spec()).paths["/v1/calibrations"].post.description;
    for (const kind of ["pairwise", "pointwise"] as const) {
      const said = new RegExp(
        `${kind[0]!.toUpperCase()}${kind.slice(1)}:[^(]*\\(auto: none under ([\\d,]+) labels, Platt under ([\\d,]+), beta under ([\\d,]+), then isotonic\\)`,
      ).exec(text);
      expect(said, `${kind} boundaries in: ${text}`).not.toBeNull();
      const [none, platt, beta] = said!.slice(1).map(count) as [number, number, number];
      const methods = [
        [none - 1, "identity"],
        [none, "platt"],
        [platt - 1, "platt"],
        [platt, "beta"],
        [beta - 1, "beta"],
        [beta, "isotonic"],
      ] as const;
      for (const [n, method] of methods) {
        const res = await t.post("/v1/calibrations", { name: `${kind} ${n}`, kind, examples: examples(kind, n) });
        expect(res.status).toBe(200);
        expect(res.json.method, `${kind} at ${n} labels`).toBe(method);
      }
    }
  });

  it("says which confidence each kind's threshold applies to, as profiles report it", async () => {
    const doc = await spec();
    expect(doc.paths["/v1/calibrations"].post.description).toContain("Pairwise: ");
    expect(doc.paths["/v1/confidence"].post.description).toContain("of the calibrated probability for pointwise profiles, of the raw p_a for pairwise ones");
    for (const [kind, scale] of [
      ["pairwise", "raw"],
      ["pointwise", "calibrated"],
    ] as const) {
      const res = await t.post("/v1/calibrations", { name: kind, kind, examples: examples(kind, 300) });
      expect(res.json.scale).toBe(scale);
      expect(res.json.threshold?.scale ?? scale).toBe(scale);
    }
  });
});
