import { mulberry32 } from "../../src/calibration/index";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

/** Seeded uniform draws. */
export const seeded = (seed: number): (() => number) => mulberry32(seed);

/**
 * A pointwise judge that is right more often the surer it is: p uniform on [0, 1], and the
 * outcome drawn from an overconfident truth ½ + (p − ½)·shrink.
 */
export function pointwiseExamples(n: number, seed: number, shrink = 0.95) {
  const rng = seeded(seed);
  return Array.from({ length: n }, () => {
    const p = Math.round(rng() * 1e6) / 1e6;
    return { p, label: rng() < 0.5 + (p - 0.5) * shrink ? 1 : 0 } as { p: number; label: 0 | 1 };
  });
}

// Read in place from the shared folder beside the checkout; the data are not copied here.
const TOE_DIR = process.env.TRUST_OR_ESCALATE_DIR ?? resolve(import.meta.dirname, "../../../shared/datasets/trust-or-escalate");
export const TOE_JUDGES = ["mistral-7b-instruct", "gpt-3.5-turbo", "gpt-4-turbo"] as const;
export const trustOrEscalatePresent = TOE_JUDGES.every((j) => existsSync(join(TOE_DIR, `${j}.calibration.jsonl`)));

/** One judge's pairwise examples from the Trust-or-Escalate data: p_a and the human preference. */
export function trustOrEscalateExamples(judge: (typeof TOE_JUDGES)[number]) {
  return readFileSync(join(TOE_DIR, `${judge}.calibration.jsonl`), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => {
      const row = JSON.parse(l) as { probs: [number, number]; preferences: { human: number } };
      return { p_a: row.probs[0] / (row.probs[0] + row.probs[1]), label: (row.preferences.human === 1 ? "a" : "b") as "a" | "b" };
    });
}

/** P(Binomial(n, r) ≤ k), summed term by term in logs. */
function binomialCdf(k: number, n: number, r: number): number {
  let logTerm = n * Math.log1p(-r); // i = 0
  let sum = Math.exp(logTerm);
  for (let i = 1; i <= k; i++) {
    logTerm += Math.log((n - i + 1) / i) + Math.log(r) - Math.log1p(-r);
    sum += Math.exp(logTerm);
  }
  return sum;
}

/** Clopper–Pearson one-sided upper bound by bisection on the binomial tail: an independent check. */
export function clopperPearsonUpperByBisection(errors: number, n: number, delta: number): number {
  if (errors >= n) return 1;
  let lo = 0;
  let hi = 1;
  for (let it = 0; it < 100; it++) {
    const mid = (lo + hi) / 2;
    if (binomialCdf(errors, n, mid) > delta) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** ECE over 10 equal-width bins, Brier and AUROC (by counting pairs), written out independently. */
export function independentMetrics(p: number[], y: number[]) {
  const n = p.length;
  const bins = Array.from({ length: 10 }, () => ({ c: 0, sp: 0, sy: 0 }));
  p.forEach((v, i) => {
    const b = bins[Math.min(9, Math.floor(v * 10))]!;
    b.c++;
    b.sp += v;
    b.sy += y[i]!;
  });
  const ece = bins.reduce((s, b) => s + (b.c ? Math.abs(b.sp - b.sy) : 0), 0) / n;
  const brier = p.reduce((s, v, i) => s + (v - y[i]!) ** 2, 0) / n;
  let wins = 0;
  let pairs = 0;
  p.forEach((a, i) => {
    if (y[i] !== 1) return;
    p.forEach((b, j) => {
      if (y[j] !== 0) return;
      pairs++;
      wins += a > b ? 1 : a === b ? 0.5 : 0;
    });
  });
  return { ece, brier, auroc: wins / pairs };
}
