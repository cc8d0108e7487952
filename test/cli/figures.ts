// The report's figures computed from a labelled world's own truth, not from anything the CLI or
// the server computed: the judge's signal is what the fake upstream was told to send.
import type { Example } from "./labelled-world";

export interface Counts {
  tp: number;
  fn: number;
  fp: number;
  tn: number;
}
export function counts(pairs: [boolean, boolean][]): Counts {
  return {
    tp: pairs.filter(([l, j]) => l && j).length,
    fn: pairs.filter(([l, j]) => l && !j).length,
    fp: pairs.filter(([l, j]) => !l && j).length,
    tn: pairs.filter(([l, j]) => !l && !j).length,
  };
}
/** κ from the marginals: observed agreement against what independent raters with these rates would reach. */
export function kappa(pairs: [boolean, boolean][]): number {
  const n = pairs.length;
  const observed = pairs.filter(([l, j]) => l === j).length / n;
  const labelYes = pairs.filter(([l]) => l).length / n;
  const judgeYes = pairs.filter(([, j]) => j).length / n;
  const chance = labelYes * judgeYes + (1 - labelYes) * (1 - judgeYes);
  return (observed - chance) / (1 - chance);
}
/** ECE over ten equal-width bins of p (p = 1 in the last). */
export function ece(p: number[], y: number[]): number {
  const bins = Array.from({ length: 10 }, () => ({ n: 0, p: 0, y: 0 }));
  p.forEach((v, i) => {
    const b = bins[Math.min(9, Math.floor(v * 10))]!;
    b.n++;
    b.p += v;
    b.y += y[i]!;
  });
  return bins.reduce((s, b) => s + (b.n ? Math.abs(b.p / b.n - b.y / b.n) * b.n : 0), 0) / p.length;
}
const brier = (p: number[], y: number[]) => p.reduce((s, v, i) => s + (v - y[i]!) ** 2, 0) / p.length;
/** P(Binomial(n, r) ≤ k) by summing terms from log-factorials. */
export function binomialCdf(k: number, n: number, r: number): number {
  const lf = [0];
  for (let i = 1; i <= n; i++) lf.push(lf[i - 1]! + Math.log(i));
  let s = 0;
  for (let i = 0; i <= k; i++) s += Math.exp(lf[n]! - lf[i]! - lf[n - i]! + i * Math.log(r) + (n - i) * Math.log(1 - r));
  return s;
}

export function expectedFigures(world: Example[]) {
  const p = world.map((e) => e.p);
  const y = world.map((e) => e.label);
  const pairs = world.map((e): [boolean, boolean] => [e.label === 1, e.p >= 0.5]);
  const items = world.flatMap((e) => e.items.map((it): [boolean, boolean] => [it.human, it.yes]));
  const perQuestion = new Map<string, [boolean, boolean][]>();
  for (const e of world) for (const it of e.items) perQuestion.set(it.question, [...(perQuestion.get(it.question) ?? []), [it.human, it.yes]]);
  return {
    confusion: counts(pairs),
    accuracy: pairs.filter(([l, j]) => l === j).length / pairs.length,
    kappa: kappa(pairs),
    items: { n: items.length, agreement: items.filter(([l, j]) => l === j).length / items.length, confusion: counts(items), kappa: kappa(items) },
    perQuestion,
    ece: ece(p, y),
    brier: brier(p, y),
  };
}
