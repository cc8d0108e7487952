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

// Read in place from the shared folder beside the checkout: the data carry no licence and are not
// copied here. TRUST_OR_ESCALATE_DIR names another folder (an empty one runs the suite without them).
const TOE_DIR = process.env.TRUST_OR_ESCALATE_DIR ?? resolve(import.meta.dirname, "../../../shared/datasets/trust-or-escalate");
export const TOE_JUDGES = ["mistral-7b-instruct", "gpt-3.5-turbo", "gpt-4-turbo"] as const;
export type ToeJudge = (typeof TOE_JUDGES)[number];
export const trustOrEscalatePresent = TOE_JUDGES.every((j) => existsSync(join(TOE_DIR, `${j}.calibration.jsonl`)));

/** Why tests on the real data are skipped when they are. */
export const TOE_ABSENT = "needs ../shared/datasets/trust-or-escalate: absent";

/**
 * The title of tests on the real data: as given when the data are there; otherwise with the reason
 * they are skipped, which is also written to the run's output (a skipped test's title is not).
 */
export function onTrustOrEscalate(title: string): string {
  if (trustOrEscalatePresent) return title;
  console.warn(`skipped: ${title} (${TOE_ABSENT}; TRUST_OR_ESCALATE_DIR names another folder)`);
  return `${title} (${TOE_ABSENT})`;
}

/** One row of the Trust-or-Escalate files: a pair's human preference (1: the first) and a judge's probabilities. */
export interface ToeRow {
  instruction: string;
  preferences: { human: number };
  probs: [number, number];
}

/** One judge's rows, in file order (every judge's file lists the same items in the same order). */
export function trustOrEscalateRows(judge: ToeJudge): ToeRow[] {
  return readFileSync(join(TOE_DIR, `${judge}.calibration.jsonl`), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as ToeRow);
}

const gaussian = (rng: () => number) => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * Rows of the same shape for a world whose truth is known: 500 pairs, each with a true chance q that
 * people prefer the first (its logit normal, sd 2.5) and a human preference drawn from it. Each judge
 * sees logit(q) through noise (sd 0.8, 0.5, 0.3 from the first judge to the last) and is
 * overconfident (its logit 3 times too large), so a map fitted on labels has something to correct;
 * its two probabilities are scaled by a common factor, as the files' are not normalised. Over seeds
 * 1-60, 56 worlds meet every check the real data meet (raw held-out ECE above 0.1 and at least a
 * third lower once calibrated, cross-validation better than raw, a cascade covering over 70%); the
 * four others miss by a little on one check. The tests use seed 11.
 */
export function syntheticTrustOrEscalate(seed = 11): Record<ToeJudge, ToeRow[]> {
  const rng = seeded(seed);
  const items = Array.from({ length: 500 }, (_, i) => {
    const margin = 2.5 * gaussian(rng);
    return { instruction: `synthetic pair ${i}`, margin, human: rng() < sigmoid(margin) ? 1 : 2 };
  });
  const noise = { "mistral-7b-instruct": 0.8, "gpt-3.5-turbo": 0.5, "gpt-4-turbo": 0.3 } as const;
  return Object.fromEntries(
    TOE_JUDGES.map((judge) => [
      judge,
      items.map(({ instruction, margin, human }) => {
        const p = sigmoid(3 * (margin + noise[judge] * gaussian(rng)));
        const scale = 0.5 + rng() / 2;
        return { instruction, preferences: { human }, probs: [p * scale, (1 - p) * scale] as [number, number] };
      }),
    ]),
  ) as Record<ToeJudge, ToeRow[]>;
}

/** A judge's rows as pairwise examples: p_a and the human preference. */
export const pairwiseExamples = (rows: ToeRow[]) =>
  rows.map((row) => ({ p_a: row.probs[0] / (row.probs[0] + row.probs[1]), label: (row.preferences.human === 1 ? "a" : "b") as "a" | "b" }));

/** One judge's pairwise examples from the Trust-or-Escalate data. */
export const trustOrEscalateExamples = (judge: ToeJudge) => pairwiseExamples(trustOrEscalateRows(judge));

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
