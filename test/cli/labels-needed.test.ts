// How many labels certification needs, as `tickbox calibrate` advises when nothing certified,
// checked against the service itself: POST /v1/calibrations on resamples of the same labelled
// signals, at the sizes the advice names.
import { describe, expect, it } from "vitest";
import { labelsNeeded } from "../../src/calibration/index";
import { seeded } from "../support/calibration-data";
import { makeApp } from "../support/harness";

type Labelled = { p: number[]; y: (0 | 1)[] };
const target = { alpha: 0.2, delta: 0.1 };

/**
 * Responses of 3–6 checklist questions, each met for people nine times in ten; the label says all
 * were met. The judge flips one verdict in eight and says p(YES) 0.75–0.995 for a YES and
 * 0.005–0.25 for a NO; its signal is the mean p(YES). Its surest answers are right more often than
 * its others, but not by much: certification at α = 0.2 needs a hundred labels or more.
 */
function labelledResponses(n: number, seed: number): Labelled {
  const rng = seeded(seed);
  const p: number[] = [];
  const y: (0 | 1)[] = [];
  for (let i = 0; i < n; i++) {
    const questions = 3 + Math.floor(rng() * 4);
    let met = true;
    let sum = 0;
    for (let q = 0; q < questions; q++) {
      const human = rng() < 0.88;
      met &&= human;
      const yes = rng() < 0.12 ? !human : human;
      sum += yes ? 0.75 + 0.245 * rng() : 0.005 + 0.245 * rng();
    }
    p.push(sum / questions);
    y.push(met ? 1 : 0);
  }
  return { p, y };
}

/** How often the service certifies a threshold on `runs` resamples of `labels` of these examples. */
async function serviceCertifies(data: Labelled, labels: number, runs: number, seed: number): Promise<number> {
  const t = makeApp();
  const rng = seeded(seed);
  let certified = 0;
  for (let r = 0; r < runs; r++) {
    const examples = Array.from({ length: labels }, () => {
      const i = Math.floor(rng() * data.p.length);
      return { p: data.p[i]!, label: data.y[i]! };
    });
    const res = await t.post("/v1/calibrations", { name: `resample ${r}`, kind: "pointwise", examples, target });
    expect(res.status).toBe(200);
    if (res.json.threshold !== null) certified++;
  }
  t.close();
  return certified / runs;
}

describe("labels needed to certify", () => {
  it("names the sizes at which the service itself certifies as often as not, and nine times in ten", { timeout: 120_000 }, async () => {
    const data = labelledResponses(150, 105);
    const t = makeApp();
    const profile = (
      await t.post("/v1/calibrations", { name: "150 labels", kind: "pointwise", examples: data.p.map((p, i) => ({ p, label: data.y[i] })), target })
    ).json;
    t.close();
    // The case the advice is for: these labels did not certify.
    expect(profile.threshold).toBeNull();

    const need = labelsNeeded("pointwise", [data], { method: "auto", target });
    expect(need.now.labels).toBe(150);
    expect(need.tried[0]).toEqual(need.now);
    const likely = need.as_likely_as_not!;
    const sure = need.near_certain!;
    expect(likely).toBeGreaterThan(150);
    expect(sure).toBeGreaterThan(likely);
    const at = (labels: number) => need.tried.find((r) => r.labels === labels)!.certified;
    expect(at(likely)).toBeGreaterThanOrEqual(0.5);
    expect(at(sure)).toBeGreaterThanOrEqual(0.9);

    // The service, on 40 fresh resamples at each size (±8 points by chance alone).
    const before = need.tried[need.tried.findIndex((r) => r.labels === likely) - 1]!;
    const [belowShare, likelyShare, sureShare] = [
      await serviceCertifies(data, before.labels, 40, 1),
      await serviceCertifies(data, likely, 40, 2),
      await serviceCertifies(data, sure, 40, 3),
    ];
    expect(belowShare).toBeLessThan(0.65);
    expect(likelyShare).toBeGreaterThan(0.3);
    expect(sureShare).toBeGreaterThan(0.75);
    for (const [labels, share] of [
      [before.labels, belowShare],
      [likely, likelyShare],
      [sure, sureShare],
    ] as const) {
      expect(Math.abs(share - at(labels))).toBeLessThan(0.22);
    }
  });

  it("says no size helps when the judge's surest answers err too often, as the service then never certifies", { timeout: 60_000 }, async () => {
    // Sure of everything, and wrong one time in three.
    const rng = seeded(9);
    const data: Labelled = { p: [], y: [] };
    for (let i = 0; i < 200; i++) {
      const label = rng() < 0.5 ? 1 : 0;
      const right = rng() < 2 / 3;
      data.p.push(right === (label === 1) ? 0.97 : 0.03);
      data.y.push(label);
    }
    const need = labelsNeeded("pointwise", [data], { method: "auto", target }, { most: 2000 });
    expect(need.as_likely_as_not).toBeNull();
    expect(need.near_certain).toBeNull();
    expect(need.tried.at(-1)!.labels).toBe(2000);
    expect(await serviceCertifies(data, 2000, 5, 4)).toBe(0);
  });

  it("runs the rule of the method asked for: a method the resample cannot fit counts as not certified", () => {
    const data = labelledResponses(150, 105);
    // Isotonic needs 998 pointwise labels: below that the service refuses the request.
    const need = labelsNeeded("pointwise", [data], { method: "isotonic", target }, { resamples: 20, most: 1200 });
    for (const r of need.tried) if (r.labels < 998) expect(r.certified).toBe(0);
  });
});
