import { describe, expect, it } from "vitest";
import { regularizedIncompleteBeta } from "../../src/calibration/index";
import { CASCADE_JUDGES, population, runCell, SINGLE_JUDGES, SPREAD, type World } from "../../bench/guarantee-sim";

// The certificate against a known truth: a seeded, smaller run of `npm run bench:guarantee`.
// Judges whose probabilities relate to the truth in a known way are fitted and certified as
// POST /v1/calibrations does; the true risk at the returned λ is computed from the truth.

const DELTA = 0.1;

/** P(Binomial(n, δ) ≥ k): how surprising k violations in n runs would be if the promise held with equality. */
const tail = (k: number, n: number): number => (k === 0 ? 1 : regularizedIncompleteBeta(DELTA, k, n - k + 1));

const cells: { world: World; n: number; alpha: number; method: "auto" | "beta" | "isotonic" }[] = [
  // Where the certificate used to fail: p uniform and exactly calibrated, isotonic (what auto
  // picked at 1,000 labels), α = 0.25 — accepting everything is exactly at the line.
  { world: { name: "calibrated, uniform", kind: "pointwise", spread: "uniform", judges: SINGLE_JUDGES.calibrated }, n: 1000, alpha: 0.25, method: "isotonic" },
  { world: { name: "overconfident", kind: "pointwise", spread: SPREAD, judges: SINGLE_JUDGES.overconfident }, n: 1000, alpha: 0.2, method: "isotonic" },
  { world: { name: "underconfident", kind: "pointwise", spread: SPREAD, judges: SINGLE_JUDGES.underconfident }, n: 250, alpha: 0.2, method: "beta" },
  { world: { name: "lenient", kind: "pointwise", spread: SPREAD, judges: SINGLE_JUDGES.lenient }, n: 250, alpha: 0.2, method: "auto" },
  { world: { name: "calibrated", kind: "pairwise", spread: SPREAD, judges: SINGLE_JUDGES.calibrated }, n: 250, alpha: 0.2, method: "auto" },
  { world: { name: "cascade", kind: "pointwise", spread: SPREAD, judges: CASCADE_JUDGES }, n: 1000, alpha: 0.2, method: "auto" },
  { world: { name: "cascade, pooled", kind: "pairwise", spread: SPREAD, judges: CASCADE_JUDGES, pooled: true }, n: 1000, alpha: 0.25, method: "auto" },
];

describe("certified abstention against a known truth", () => {
  it("exceeds α in no more than δ of the runs, within simulation noise", () => {
    let runs = 0;
    let violations = 0;
    cells.forEach((cell, k) => {
      const pop = population(cell.world, 10_000, 100 + k);
      const r = runCell(cell.world, pop, { n: cell.n, alpha: cell.alpha, delta: DELTA, method: cell.method, runs: 80, seed: 1000 + k });
      // Certification does happen in these cells, so the runs test something.
      expect(r.certified, `${cell.world.name} ${cell.world.kind}`).toBeGreaterThan(r.runs / 2);
      expect(tail(r.violations, r.runs), `${cell.world.name} ${cell.world.kind}: ${r.violations} of ${r.runs}`).toBeGreaterThan(0.001);
      runs += r.runs;
      violations += r.violations;
    });
    expect(tail(violations, runs), `${violations} of ${runs}`).toBeGreaterThan(0.01);
  }, 120_000);
});
