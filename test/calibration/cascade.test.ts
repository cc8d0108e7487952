import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { certifyCascade, clopperPearsonUpper, evaluateCascade, routeItem, type CascadeJudge } from "../../src/calibration/index";

/**
 * 300 items. Judge A is sure (0.99) and right on items 0–99, and unsure (0.6) and often wrong on
 * the rest; judge B likewise (0.97) on items 100–199; judge C is sure of everything (0.95) but
 * right on only half.
 */
function judges(): CascadeJudge[] {
  const n = 300;
  const idx = Array.from({ length: n }, (_, i) => i);
  return [
    { name: "A", confidence: idx.map((i) => (i < 100 ? 0.99 : 0.6)), agree: idx.map((i) => i < 100 || i % 2 === 0) },
    { name: "B", confidence: idx.map((i) => (i >= 100 && i < 200 ? 0.97 : 0.55)), agree: idx.map((i) => (i >= 100 && i < 200) || i % 3 === 0) },
    { name: "C", confidence: idx.map(() => 0.95), agree: idx.map((i) => i % 2 === 0) },
  ];
}

describe("cascade", () => {
  it("certifies one threshold for the whole cascade, with one δ", () => {
    const result = certifyCascade(judges(), { alpha: 0.1, delta: 0.1 });
    // From λ = 0.97 A decides 0–99 and B 100–199, all right; 0.96, the lowest step before C takes
    // the last 100 items at 0.95 (half of them wrong, and the test fails), is returned.
    expect(result.lambda).toBe(0.96);
    expect(result.certificate).toMatchObject({ lambda: 0.96, n_items: 300, n_accepted: 200, errors: 0 });
    expect(result.certificate!.upper_bound).toBeCloseTo(clopperPearsonUpper(0, 200, 0.1), 12);
    expect(result.stages.map((s) => [s.n_reaching, s.n_decided])).toEqual([
      [300, 100],
      [200, 100],
      [100, 0],
    ]);
    expect(result.coverage).toBeCloseTo(200 / 300, 12);
    expect(result.agreement).toBe(1);
    expect(result.decided_by_judge).toEqual([100, 100, 0]);
  });

  it("evaluates a threshold on new items", () => {
    const out = evaluateCascade(0.96, judges());
    expect(out.n_decided).toBe(200);
    expect(out.agreement).toBe(1);
    expect(evaluateCascade(0.95, judges())).toMatchObject({ n_decided: 300, decided_by_judge: [100, 100, 100] });
    expect(evaluateCascade(null, judges())).toMatchObject({ coverage: 0, agreement: null });
  });

  it("gives each judge its own share: what reaches it, what it decides and what it gets wrong, summing to the cascade's", () => {
    // Any cascade: 1–4 judges on the same items, confidences on and off the threshold grid.
    const confidence = fc.oneof(
      fc.integer({ min: 50, max: 100 }).map((c) => c / 100),
      fc.double({ min: 0.5, max: 1, noNaN: true }),
    );
    // Each judge right about half the time, or nine times in ten, or nearly always.
    const judge = (n: number) =>
      fc.constantFrom(2, 10, 50).chain((odds) =>
        fc.record({
          confidence: fc.array(confidence, { minLength: n, maxLength: n }),
          agree: fc.array(
            fc.integer({ min: 1, max: odds }).map((v) => v > 1),
            { minLength: n, maxLength: n },
          ),
        }),
      );
    const cascade = fc.integer({ min: 1, max: 300 }).chain((n) => fc.array(judge(n), { minLength: 1, maxLength: 4 }));
    let certified = 0;
    fc.assert(
      fc.property(cascade, fc.constantFrom(0.05, 0.1, 0.2, 0.3), (judges, alpha) => {
        const result = certifyCascade(judges, { alpha, delta: 0.1 });
        // Routed here by hand: an item goes to the first judge sure enough at λ, and only there.
        const reaching = judges.map(() => 0);
        const decided = judges.map(() => 0);
        const errors = judges.map(() => 0);
        for (let i = 0; i < judges[0]!.confidence.length; i++) {
          for (let k = 0; k < judges.length; k++) {
            reaching[k]!++;
            if (result.lambda === null || judges[k]!.confidence[i]! < result.lambda) continue;
            decided[k]!++;
            if (!judges[k]!.agree[i]) errors[k]!++;
            break;
          }
        }
        expect(result.stages.map((s) => [s.n_reaching, s.n_decided, s.n_errors])).toEqual(judges.map((_, k) => [reaching[k], decided[k], errors[k]]));
        if (result.certificate) {
          certified++;
          expect(result.certificate.n_accepted).toBe(decided.reduce((a, b) => a + b, 0));
          expect(result.certificate.errors).toBe(errors.reduce((a, b) => a + b, 0));
        } else {
          expect(decided.every((d) => d === 0)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
    // The property was tried on certified cascades, not only on ones that abstain on everything.
    expect(certified).toBeGreaterThan(20);
  });

  it("routes an item to the first judge that reaches the threshold", () => {
    expect(routeItem(0.9, [0.5, 0.99, 0.95])).toEqual({ decided_by: 1, confidence: 0.99 });
    expect(routeItem(0.9, [0.95, 0.99])).toEqual({ decided_by: 0, confidence: 0.95 });
    expect(routeItem(0.9, [0.5, 0.6])).toEqual({ decided_by: null });
    expect(routeItem(null, [0.99])).toEqual({ decided_by: null });
  });

  it("rejects judges over different item sets", () => {
    const [a, b] = judges();
    expect(() => certifyCascade([a!, { ...b!, confidence: b!.confidence.slice(1) }], { alpha: 0.1, delta: 0.1 })).toThrow(/judges\[1\]\.confidence/);
  });
});
