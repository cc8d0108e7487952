import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { useFakeUpstream } from "../support/file-fake";
import { makeApp, payloadOf, upstreamEnv } from "../support/harness";

// Rankings respect verdicts, checked from outside: generated checklists, verdicts and p(YES),
// scripted into the fake upstream, ranked by POST /v1/selections and POST /v1/comparisons.

const fake = useFakeUpstream();

interface Graded {
  verdicts: boolean[];
  p: number[];
}

/** Every item `b` passes, `a` passes too, and `a` passes one more. */
const dominates = (a: Graded, b: Graded): boolean => a.verdicts.every((yes, i) => yes || !b.verdicts[i]) && a.verdicts.some((yes, i) => yes && !b.verdicts[i]);

const item = fc.record({ weight: fc.integer({ min: 1, max: 100 }), must_pass: fc.boolean() });
/** A judge's answer to one item: its verdict and p(YES), which need not agree with each other. */
const answer = fc.record({ yes: fc.boolean(), p: fc.double({ min: 0.001, max: 0.999, noNaN: true }) });

const world = fc
  .record({ items: fc.array(item, { minLength: 2, maxLength: 6 }), size: fc.integer({ min: 2, max: 5 }), logprobs: fc.boolean() })
  .chain(({ items, size, logprobs }) =>
    fc.record({
      items: fc.constant(items),
      logprobs: fc.constant(logprobs),
      candidates: fc.array(fc.array(answer, { minLength: items.length, maxLength: items.length }), { minLength: size, maxLength: size }),
      // Which candidate gets a dominating twin: the same answers, one NO turned into YES.
      twin: fc.nat(),
      flip: fc.nat(),
      twinP: fc.double({ min: 0.001, max: 0.999, noNaN: true }),
    }),
  )
  .map(({ items, logprobs, candidates, twin, flip, twinP }) => {
    const graded: Graded[] = candidates.map((c) => ({ verdicts: c.map((a) => a.yes), p: c.map((a) => a.p) }));
    const base = graded[twin % graded.length]!;
    const noes = base.verdicts.flatMap((yes, i) => (yes ? [] : [i]));
    if (noes.length > 0) {
      const at = noes[flip % noes.length]!;
      graded.push({ verdicts: base.verdicts.map((yes, i) => yes || i === at), p: base.p.map((p, i) => (i === at ? twinP : p)) });
    }
    return { items, logprobs, graded };
  });

let run = 0;

describe("rankings respect verdicts (property, over the API)", () => {
  it("a candidate whose verdicts dominate another's never ranks below it, in selections and checklist comparisons", async () => {
    const t = makeApp(upstreamEnv(fake));
    await fc.assert(
      fc.asyncProperty(world, async ({ items, logprobs, graded }) => {
        run++;
        const texts = graded.map((_, k) => `run ${run}, candidate ${k}`);
        const table = new Map(texts.map((text, k) => [text, graded[k]!]));
        fake.logprobs = logprobs ? "split" : "none";
        fake.answer = (_id, index, call) => {
          const g = table.get(payloadOf(call).response)!;
          return { verdict: g.verdicts[index] ? "YES" : "NO", p_yes: g.p[index]! };
        };
        const checklist = { items: items.map((it, i) => ({ question: `Run ${run}: is requirement ${i + 1} met?`, ...it })) };
        const selection = await t.post("/v1/selections", { instruction: `Task ${run}`, checklist, candidates: texts, tie_break: "none" });
        expect(selection.status).toBe(200);
        const place = new Map<number, number>(selection.json.ranking.map((r: { index: number; rank: number }) => [r.index, r.rank]));
        for (const [a, ga] of graded.entries()) {
          for (const [b, gb] of graded.entries()) {
            if (!dominates(ga, gb)) continue;
            expect(place.get(a)!, `candidate ${a} dominates ${b}`).toBeLessThan(place.get(b)!);
            if (selection.json.winner !== null) expect(selection.json.winner).not.toBe(b);
            for (const [first, second, expected] of [
              [a, b, "a"],
              [b, a, "b"],
            ] as const) {
              const cmp = await t.post("/v1/comparisons", { instruction: `Task ${run}`, checklist, a: texts[first], b: texts[second] });
              expect(cmp.status).toBe(200);
              expect(cmp.json.winner).toBe(expected);
            }
          }
        }
      }),
      { numRuns: 60, seed: 20251, endOnFailure: true },
    );
  }, 120_000);

  it("a clean pass at p(YES) = 0.9 beats four sure passes and a sure failure", async () => {
    const t = makeApp(upstreamEnv(fake));
    const items = Array.from({ length: 5 }, (_, i) => ({ question: `Requirement ${i + 1}?` }));
    fake.answer = (_id, index, call) =>
      payloadOf(call).response === "A" ? { verdict: "YES", p_yes: 0.9 } : index < 4 ? { verdict: "YES", p_yes: 0.999 } : { verdict: "NO", p_yes: 0.001 };
    const selection = await t.post("/v1/selections", { instruction: "i", checklist: { items }, candidates: ["C", "A"] });
    expect(selection.json).toMatchObject({ winner: 1, ranked_by: "weighted_then_soft", tied: [1] });
    expect(selection.json.ranking.map((r: { index: number }) => r.index)).toEqual([1, 0]);
    expect((await t.post("/v1/comparisons", { instruction: "i", checklist: { items }, a: "A", b: "C" })).json.winner).toBe("a");
    expect((await t.post("/v1/comparisons", { instruction: "i", checklist: { items }, a: "C", b: "A" })).json.winner).toBe("b");
  });
});
