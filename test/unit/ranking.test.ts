import { describe, expect, it } from "vitest";
import { combineOrders, type OrderedVerdict } from "../../src/judge/comparison";
import { LOWER_BOUND_Z, rankCandidates, scoreSpread, separation } from "../../src/judge/ranking";

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

  it("ranks by the soft score's lower bound, not its mean, when p(YES) is known", () => {
    // Same verdicts; 0 has the higher mean soft score but is less certain of its heaviest item.
    const sure = cand(0, v("YYY", [0.97, 0.9, 0.9]));
    const unsure = cand(1, v("YYY", [0.9, 0.999, 0.999]));
    const ranking = rankCandidates([unsure, sure].map((c, i) => ({ ...c, index: i })), 0.8);
    const [u, s] = [ranking.standings.find((x) => x.index === 0)!, ranking.standings.find((x) => x.index === 1)!];
    expect(u.scores.soft!).toBeGreaterThan(s.scores.soft!);
    expect(ranking.basis).toBe("soft_lower_bound");
    expect(ranking.standings[0]!.index).toBe(1);
    expect(s.rank_score).toBeCloseTo(s.scores.soft! - LOWER_BOUND_Z * s.spread!, 12);
    const spread = Math.sqrt(100 ** 2 * 0.97 * 0.03 + 2 * 50 ** 2 * 0.09) / 200;
    expect(s.spread).toBeCloseTo(spread, 12);
    // With a z of 0 the mean decides.
    expect(rankCandidates([unsure, sure].map((c, i) => ({ ...c, index: i })), 0.8, 0).standings[0]!.index).toBe(0);
  });

  it("falls back to the weighted score for everyone when one candidate lacks p(YES)", () => {
    const ranking = rankCandidates([cand(0, v("YYN", [0.9, 0.9, 0.1])), cand(1, v("YNY"))], 0.8);
    expect(ranking.basis).toBe("weighted");
    expect(ranking.tiedAtTop).toEqual([0, 1]);
    expect(scoreSpread(items, v("YYN"))).toBeNull();
  });
});

describe("separation", () => {
  it("is decisive across the must-pass line and when intervals do not overlap", () => {
    const r = rankCandidates([cand(0, v("NYY")), cand(1, v("YNN"))], 0.8);
    expect(separation(r.standings[0]!, r.standings[1]!, r.basis, r.z)).toEqual({ margin: 0, decisive: true });
    const sure = rankCandidates([cand(0, v("YYY", [0.99, 0.99, 0.99])), cand(1, v("YNN", [0.99, 0.02, 0.02]))], 0.8);
    expect(separation(sure.standings[0]!, sure.standings[1]!, sure.basis, sure.z).decisive).toBe(true);
    const close = rankCandidates([cand(0, v("YYY", [0.9, 0.7, 0.7])), cand(1, v("YYY", [0.9, 0.65, 0.65]))], 0.8);
    const sep = separation(close.standings[0]!, close.standings[1]!, close.basis, close.z);
    expect(sep.margin).toBeGreaterThan(0);
    expect(sep.decisive).toBe(false);
  });

  it("is not decisive for a tie, and is for a strictly higher weighted score without p(YES)", () => {
    const tie = rankCandidates([cand(0, v("YYN")), cand(1, v("YNY"))], 0.8);
    expect(separation(tie.standings[0]!, tie.standings[1]!, tie.basis, tie.z)).toEqual({ margin: 0, decisive: false });
    const ahead = rankCandidates([cand(0, v("YNN")), cand(1, v("YYN"))], 0.8);
    expect(separation(ahead.standings[0]!, ahead.standings[1]!, ahead.basis, ahead.z).margin).toBeCloseTo(0.25, 12);
    expect(separation(ahead.standings[0]!, ahead.standings[1]!, ahead.basis, ahead.z).decisive).toBe(true);
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
