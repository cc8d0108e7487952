import { describe, expect, it } from "vitest";
import { mulberry32, regularizedIncompleteBeta } from "../../src/calibration/index";
import { makeApp } from "../support/harness";

// The certificate checked from outside, over the API only: a judge whose p is exactly calibrated
// (people say yes with probability p, p uniform on [0, 1]), isotonic with 1,000 labels, α = 0.25.
// The true risk at each returned threshold is computed from that truth over a grid of p, from the
// service's own answers on POST /v1/confidence.

const DELTA = 0.1;
const ALPHA = 0.25;
const RUNS = 20;
const GRID = Array.from({ length: 200 }, (_, k) => (k + 0.5) / 200);

describe("POST /v1/calibrations then POST /v1/confidence, against a known truth", () => {
  it("answers within the certificate, whose true risk exceeds α in no more than δ of the runs", async () => {
    const t = makeApp();
    const rng = mulberry32(2025);
    let violations = 0;
    let certified = 0;
    for (let run = 0; run < RUNS; run++) {
      const examples = Array.from({ length: 1000 }, () => {
        const p = rng();
        return { p, label: rng() < p ? 1 : 0 };
      });
      const profile = await t.post("/v1/calibrations", {
        name: `truth ${run}`,
        kind: "pointwise",
        method: "isotonic",
        examples,
        target: { alpha: ALPHA, delta: DELTA },
      });
      expect(profile.status).toBe(200);
      const th = profile.json.threshold;
      if (th === null) continue;
      certified++;
      expect(th).toMatchObject({ n_items: 800, scale: "calibrated" });
      let accepted = 0;
      let wrong = 0;
      for (const p of GRID) {
        const d = (await t.post("/v1/confidence", { calibration_id: profile.json.id, p })).json;
        expect(d.abstain).toBe(d.confidence < th.lambda);
        if (d.abstain) continue;
        expect(d.guarantee).toEqual({ agreement_at_least: 1 - ALPHA, probability: 1 - DELTA, alpha: ALPHA, delta: DELTA });
        accepted++;
        // People disagree with a pass with probability 1 − p, with a fail with probability p.
        wrong += d.verdict === "pass" ? 1 - p : p;
      }
      if (accepted > 0 && wrong / accepted > ALPHA) violations++;
    }
    expect(certified).toBeGreaterThan(RUNS / 2);
    // P(Binomial(20, δ) ≥ violations) must not make the promise implausible.
    const tail = violations === 0 ? 1 : regularizedIncompleteBeta(DELTA, violations, RUNS - violations + 1);
    expect(tail, `${violations} of ${RUNS} runs above α`).toBeGreaterThan(0.01);
  }, 180_000);
});
