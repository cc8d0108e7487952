import { describe, expect, it } from "vitest";
import { combineOrders, type OrderedVerdict } from "../../src/judge/comparison";
import fc from "fast-check";
import { probabilityAhead, rankCandidates, separation } from "../../src/judge/ranking";

const items = [
  { weight: 100, must_pass: true },
  { weight: 50, must_pass: false },
  { weight: 50, must_pass: false },
];
const v = (verdicts: string, p: (number | null)[] = [null, null, null]) =>
  [...verdicts].map((ch, i) => ({ verdict: ch === "Y" ? ("YES" as const) : ("NO" as const), p_yes: p[i] ?? null }));
const cand = (index: number, results: ReturnType<typeof v>) => ({ index, items, results });

describe("rankCandidates", () => {
  it("puts a must-pass failure below every candidate that meets the must-pass items", () => {
    // Candidate 0 fails the must-pass item but has the higher weighted score (0.5 vs 0.5 + …).
    const ranking = rankCandidates([cand(0, v("NYY")), cand(1, v("YNN")), cand(2, v("YYN"))], 0.8);
    expect(ranking.basis).toBe("weighted");
    expect(ranking.standings.map((s) => s.index)).toEqual([2, 1, 0]);
    expect(ranking.standings[2]!.scores.weighted).toBeCloseTo(0.5, 12);
    expect(ranking.standings[1]!.scores.weighted).toBeCloseTo(0.5, 12);
    expect(ranking.standings[2]!.must_pass_met).toBe(false);
    expect(ranking.standings.map((s) => s.rank)).toEqual([1, 2, 3]);
  });

  it("ties equal candidates, shares their rank and keeps request order", () => {
    const ranking = rankCandidates([cand(0, v("YNN")), cand(1, v("YYN")), cand(2, v("YNY")), cand(3, v("YYY"))], 0.8);
    expect(ranking.standings.map((s) => s.index)).toEqual([3, 1, 2, 0]);
    expect(ranking.standings.map((s) => s.rank)).toEqual([1, 2, 2, 4]);
    expect(ranking.tiedAtTop).toEqual([3]);
    const top = rankCandidates([cand(0, v("YNN")), cand(1, v("YYN")), cand(2, v("YNY"))], 0.8);
    expect(top.tiedAtTop).toEqual([1, 2]);
  });

  it("prefers a clean pass at p = 0.9 to a sure failure of one item, however sure the rest", () => {
    const five = Array.from({ length: 5 }, () => ({ weight: 50, must_pass: false }));
    const clean = { index: 0, items: five, results: [..."YYYYY"].map(() => ({ verdict: "YES" as const, p_yes: 0.9 })) };
    const sure = {
      index: 1,
      items: five,
      results: [..."YYYYN"].map((c) => ({ verdict: c === "Y" ? ("YES" as const) : ("NO" as const), p_yes: c === "Y" ? 0.999 : 0.001 })),
    };
    for (const order of [
      [clean, sure],
      [sure, clean],
    ]) {
      const ranking = rankCandidates(order, 0.8);
      expect(ranking.basis).toBe("weighted_then_soft");
      expect(ranking.standings[0]!.index).toBe(0);
      expect(ranking.tiedAtTop).toEqual([0]);
    }
  });

  it("orders verdict ties by the soft score, and leaves them tied when a p(YES) is missing", () => {
    const sure = cand(0, v("YYY", [0.97, 0.9, 0.9]));
    const unsure = cand(1, v("YYY", [0.9, 0.8, 0.8]));
    const ranking = rankCandidates(
      [unsure, sure].map((c, i) => ({ ...c, index: i })),
      0.8,
    );
    expect(ranking.standings.map((s) => s.index)).toEqual([1, 0]);
    expect(ranking.tiedAtTop).toEqual([1]);
    const partial = rankCandidates([cand(0, v("YYN", [0.9, 0.9, 0.1])), cand(1, v("YNY"))], 0.8);
    expect(partial.basis).toBe("weighted");
    expect(partial.tiedAtTop).toEqual([0, 1]);
  });
});

/** P(a strictly above b) by enumerating every joint verdict outcome: an independent check. */
function aheadByEnumeration(a: { items: typeof items; results: ReturnType<typeof v> }, b: { items: typeof items; results: ReturnType<typeof v> }): number {
  const outcomes = (c: typeof a) => {
    const out: { p: number; met: boolean; sum: number }[] = [];
    for (let mask = 0; mask < 1 << c.items.length; mask++) {
      let p = 1;
      let met = true;
      let sum = 0;
      c.items.forEach((item, i) => {
        const yes = (mask >> i) & 1;
        const q = c.results[i]!.p_yes!;
        p *= yes ? q : 1 - q;
        if (yes) sum += item.weight;
        else if (item.must_pass) met = false;
      });
      out.push({ p, met, sum });
    }
    return out;
  };
  let total = 0;
  for (const x of outcomes(a)) for (const y of outcomes(b)) if ((x.met && !y.met) || (x.met === y.met && x.sum > y.sum)) total += x.p * y.p;
  return total;
}

describe("probabilityAhead", () => {
  it("equals exhaustive enumeration of the verdicts on random checklists", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            weight: fc.integer({ min: 1, max: 100 }),
            must_pass: fc.boolean(),
            pa: fc.double({ min: 0, max: 1, noNaN: true }),
            pb: fc.double({ min: 0, max: 1, noNaN: true }),
          }),
          { minLength: 1, maxLength: 7 },
        ),
        (rows) => {
          const its = rows.map(({ weight, must_pass }) => ({ weight, must_pass }));
          const a = { index: 0, items: its, results: rows.map((r) => ({ verdict: "YES" as const, p_yes: r.pa })) };
          const b = { index: 1, items: its, results: rows.map((r) => ({ verdict: "NO" as const, p_yes: r.pb })) };
          expect(probabilityAhead(a, b)).toBeCloseTo(aheadByEnumeration(a, b), 10);
        },
      ),
      { numRuns: 300, seed: 11 },
    );
  });
});

describe("separation", () => {
  it("is decisive across the must-pass line and when the judge's p(YES) keeps the winner ahead", () => {
    const r = rankCandidates([cand(0, v("NYY")), cand(1, v("YNN"))], 0.8);
    const byIndex = (ranking: ReturnType<typeof rankCandidates>, k: number, cs: ReturnType<typeof cand>[]) => ({
      ...ranking.standings[k]!,
      ...cs[ranking.standings[k]!.index]!,
    });
    const plain = [cand(0, v("NYY")), cand(1, v("YNN"))];
    expect(separation(byIndex(r, 0, plain), byIndex(r, 1, plain))).toEqual({ margin: 0, p_ahead: null, decisive: true });
    const sureCs = [cand(0, v("YYY", [0.99, 0.99, 0.99])), cand(1, v("YNN", [0.99, 0.02, 0.02]))];
    const sure = rankCandidates(sureCs, 0.8);
    const s = separation(byIndex(sure, 0, sureCs), byIndex(sure, 1, sureCs));
    expect(s.decisive).toBe(true);
    expect(s.p_ahead).toBeCloseTo(aheadByEnumeration(sureCs[0]!, sureCs[1]!), 12);
    const closeCs = [cand(0, v("YYY", [0.9, 0.7, 0.7])), cand(1, v("YYN", [0.9, 0.65, 0.45]))];
    const close = rankCandidates(closeCs, 0.8);
    const c = separation(byIndex(close, 0, closeCs), byIndex(close, 1, closeCs));
    expect(c.margin).toBeCloseTo(0.25, 12);
    expect(c.p_ahead!).toBeLessThan(0.95);
    expect(c.decisive).toBe(false);
  });

  it("is not decisive for a tie, and is for a strictly higher weighted score without p(YES)", () => {
    const tieCs = [cand(0, v("YYN")), cand(1, v("YNY"))];
    const tie = rankCandidates(tieCs, 0.8);
    expect(separation({ ...tie.standings[0]!, ...tieCs[0]! }, { ...tie.standings[1]!, ...tieCs[1]! })).toEqual({ margin: 0, p_ahead: null, decisive: false });
    const aheadCs = [cand(0, v("YNN")), cand(1, v("YYN"))];
    const ahead = rankCandidates(aheadCs, 0.8);
    const sep = separation({ ...ahead.standings[0]!, ...aheadCs[1]! }, { ...ahead.standings[1]!, ...aheadCs[0]! });
    expect(sep.margin).toBeCloseTo(0.25, 12);
    expect(sep.decisive).toBe(true);
  });
});

describe("combineOrders", () => {
  const o = (shown_first: "a" | "b", preferred: "a" | "b", p_a: number | null = null): OrderedVerdict => ({ shown_first, preferred, p_a, rationale: "" });

  it("gives a side the win only when it wins in both orders", () => {
    expect(combineOrders(o("a", "a"), o("b", "a"))).toEqual({ winner: "a", p_a: null, position_bias: false });
    expect(combineOrders(o("a", "b"), o("b", "b"))).toEqual({ winner: "b", p_a: null, position_bias: false });
  });

  it("calls a tie with position bias when the same position wins both orders", () => {
    expect(combineOrders(o("a", "a"), o("b", "b"))).toMatchObject({ winner: "tie", position_bias: true });
    expect(combineOrders(o("a", "b"), o("b", "a"))).toMatchObject({ winner: "tie", position_bias: true });
  });

  it("averages p(a better) over both orders", () => {
    expect(combineOrders(o("a", "a", 0.9), o("b", "a", 0.7)).p_a).toBeCloseTo(0.8, 12);
    expect(combineOrders(o("a", "a", 0.9), o("b", "a", null)).p_a).toBeNull();
  });
});
