/**
 * Calibration and certified-abstention benchmark on the Trust-or-Escalate judge data
 * (Jung, Brahman & Choi 2024, arXiv 2407.18370), in the protocol of its published re-run.
 *
 *   npx tsx bench/calibration.ts <dir-with-*.calibration.jsonl>
 *
 * 5 seeds × 200 random calibration/test splits. Calibrators are fitted, and thresholds certified
 * exactly as POST /v1/calibrations does, on the calibration part; everything is measured on the
 * test part. Figures are means over all splits, with the range of the five seeds' means beside
 * them. The last line of output is one JSON object.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  certifyThreshold,
  computeMetrics,
  evaluateCascade,
  fitCalibrator,
  fitDecisionRule,
  metricsWithIntervals,
  mulberry32,
  pairwiseAgreement,
  pairwiseConfidence,
  permutation,
  stageSignals,
  topLabelCalibrationError,
  type FittedCalibrator,
  type Label,
} from "../src/calibration/index";

const JUDGES = ["gpt-4-turbo", "gpt-3.5-turbo", "mistral-7b-instruct"] as const;
/** Cheapest first, as in the paper. */
const CASCADE_ORDER = ["mistral-7b-instruct", "gpt-3.5-turbo", "gpt-4-turbo"] as const;
const SEEDS = [20240725, 20240726, 20240727, 20240728, 20240729] as const;
const SPLITS = 200;
const CAL_SIZES = [50, 100, 250] as const;
const ALPHAS = [0.2, 0.15, 0.1] as const;
const DELTA = 0.1;
/** Resamples for the bias-corrected top-label ECE (GPT-4 rows). */
const RESAMPLES = 100;
const ANCHORS = { gpt4_platt_top_label_ece_100: 0.052, coverage_250_alpha_0_2: { "gpt-4-turbo": 0.595, cascade: 0.66 } } as const;

type Judge = (typeof JUDGES)[number];
interface Row {
  instruction: string;
  outputs: string[];
  preferences: { human: number };
  probs: number[];
}

function load(dir: string): { p: Record<Judge, number[]>; y: Label[] } {
  const rows = Object.fromEntries(
    JUDGES.map((j) => [
      j,
      readFileSync(join(dir, `${j}.calibration.jsonl`), "utf8")
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => JSON.parse(l) as Row),
    ]),
  ) as Record<Judge, Row[]>;
  // The files carry no item id: they are joined by position, which is only sound if every file
  // lists the same items in the same order.
  const ref = rows[JUDGES[0]];
  for (const j of JUDGES) {
    const r = rows[j];
    if (r.length !== ref.length) throw new Error(`${j}: ${r.length} rows, expected ${ref.length}`);
    r.forEach((row, i) => {
      const base = ref[i] as Row;
      const same =
        row.instruction === base.instruction &&
        JSON.stringify(row.outputs) === JSON.stringify(base.outputs) &&
        row.preferences.human === base.preferences.human;
      if (!same) throw new Error(`${j}: row ${i} is not the same item as in ${JUDGES[0]}`);
    });
  }
  const p = Object.fromEntries(
    JUDGES.map((j) => [j, rows[j].map((r) => (r.probs[0] as number) / ((r.probs[0] as number) + (r.probs[1] as number)))]),
  ) as Record<Judge, number[]>;
  return { p, y: ref.map((r) => (r.preferences.human === 1 ? 1 : 0)) };
}

const mean = (xs: ReadonlyArray<number>): number => (xs.length ? xs.reduce((s, v) => s + v, 0) / xs.length : Number.NaN);
const pick = <T>(xs: ReadonlyArray<T>, idx: ReadonlyArray<number>): T[] => idx.map((i) => xs[i] as T);

/** Per seed, the values of one figure over that seed's splits; reported as the mean over all and the range of seed means. */
class Figure {
  private readonly bySeed = SEEDS.map(() => [] as number[]);
  push(seed: number, v: number): void {
    this.bySeed[seed]!.push(v);
  }
  get summary(): { mean: number; min: number; max: number } {
    const seedMeans = this.bySeed.filter((v) => v.length > 0).map(mean);
    return { mean: mean(this.bySeed.flat()), min: Math.min(...seedMeans), max: Math.max(...seedMeans) };
  }
}
const figures = new Map<string, Figure>();
const figure = (key: string): Figure => {
  let f = figures.get(key);
  if (!f) {
    f = new Figure();
    figures.set(key, f);
  }
  return f;
};

const VARIANTS = ["raw", "auto", "symmetric"] as const;

function calibrationFigures(seed: number, judge: Judge, size: number, variant: string, q: number[], y: Label[], floorRng: () => number): void {
  const key = (name: string): string => `cal|${judge}|${size}|${variant}|${name}`;
  const m = computeMetrics(q, y);
  figure(key("top_label_ece")).push(seed, m.top_label_ece);
  // What a perfectly calibrated judge with these predictions would show: labels drawn from them.
  figure(key("top_label_floor")).push(
    seed,
    topLabelCalibrationError(
      q,
      q.map((v) => (floorRng() < v ? 1 : 0)),
    ),
  );
  figure(key("ece_p_a")).push(seed, m.ece);
  figure(key("adaptive_ece")).push(seed, m.adaptive_ece);
  figure(key("brier")).push(seed, m.brier);
  figure(key("auroc")).push(seed, m.auroc ?? Number.NaN);
  if (judge === "gpt-4-turbo" && variant !== "raw") {
    figure(key("top_label_ece_debiased")).push(seed, metricsWithIntervals(q, y, { resamples: RESAMPLES, seed }).top_label_ece.debiased);
  }
}

/** Risk of deciding `idx` at λ along the cascade `signals` (raw confidences, as pairwise rules decide). */
function riskOn(lambda: number | null, signals: number[][], y: Label[], idx: number[]): { coverage: number; risk: number; agreement: number | null } {
  const out = evaluateCascade(
    lambda,
    signals.map((s) => ({ confidence: pick(s, idx).map(pairwiseConfidence), agree: idx.map((i) => pairwiseAgreement(s[i] as number, y[i] as number)) })),
  );
  return { coverage: out.coverage, risk: out.agreement === null ? 0 : 1 - out.agreement, agreement: out.agreement };
}

function main(): void {
  const dir = process.argv[2];
  if (!dir) {
    console.error("usage: npx tsx bench/calibration.ts <dir>");
    process.exit(2);
  }
  const started = Date.now();
  const { p, y } = load(dir);
  const n = y.length;
  const all = Array.from({ length: n }, (_, i) => i);
  const autoMethod: Record<number, string> = {};
  const certRows: Record<string, { judges: ReadonlyArray<Judge>; pooled: boolean }> = {
    ...Object.fromEntries(JUDGES.map((j) => [j, { judges: [j], pooled: false }])),
    cascade: { judges: CASCADE_ORDER, pooled: false },
    cascade_pooled: { judges: CASCADE_ORDER, pooled: true },
  };

  SEEDS.forEach((seedValue, seed) => {
    const floorRng = mulberry32(seedValue ^ 0x5eed);
    for (let split = 0; split < SPLITS; split++) {
      const perm = permutation(mulberry32(seedValue * 1000 + split), n);
      for (const size of CAL_SIZES) {
        const calIdx = perm.slice(0, size);
        const testIdx = perm.slice(size);
        const yCal = pick(y, calIdx);
        const yTest = pick(y, testIdx);

        for (const j of JUDGES) {
          const pCal = pick(p[j], calIdx);
          const pTest = pick(p[j], testIdx);
          const fits: Record<string, FittedCalibrator | null> = {
            raw: null,
            auto: fitCalibrator(pCal, yCal, { method: "auto" }),
            symmetric: fitCalibrator(pCal, yCal, { method: "auto", symmetric: true }),
          };
          autoMethod[size] = fits.auto!.model.method;
          for (const v of VARIANTS) calibrationFigures(seed, j, size, v, fits[v] ? pTest.map(fits[v]!.apply) : pTest, yTest, floorRng);
        }

        for (const [name, row] of Object.entries(certRows)) {
          const signals = stageSignals(
            row.judges.map((j) => p[j]),
            row.pooled,
          );
          for (const alpha of ALPHAS) {
            const rule = fitDecisionRule(
              "pairwise",
              row.judges.map((j) => ({ p: pick(p[j], calIdx), y: yCal })),
              {
                method: "auto",
                target: { alpha, delta: DELTA },
                pooled: row.pooled,
              },
            );
            const lambda = rule.cascade.lambda;
            const test = riskOn(lambda, signals, y, testIdx);
            const whole = riskOn(lambda, signals, y, all);
            const key = (f: string): string => `cert|${alpha}|${size}|${name}|${f}`;
            figure(key("coverage")).push(seed, test.coverage);
            if (test.agreement !== null) figure(key("agreement")).push(seed, test.agreement);
            figure(key("held_out_risk_above_alpha")).push(seed, test.risk > alpha ? 1 : 0);
            figure(key("population_risk_above_alpha")).push(seed, whole.risk > alpha ? 1 : 0);
            figure(key("certified")).push(seed, lambda === null ? 0 : 1);
            if (name !== "gpt-4-turbo") continue;
            // The earlier rule for reference: a threshold at every item's own confidence, from 30 items.
            const x = pick(p[j4], calIdx);
            const old = certifyThreshold(
              x.map(pairwiseConfidence),
              x.map((v, i) => pairwiseAgreement(v, yCal[i] as number)),
              {
                alpha,
                delta: DELTA,
                candidates: x.map(pairwiseConfidence),
                minAccepted: 30,
              },
            );
            const oldTest = riskOn(old?.lambda ?? null, [p[j4]], y, testIdx);
            figure(`cert|${alpha}|${size}|gpt-4-turbo (every item a candidate)|coverage`).push(seed, oldTest.coverage);
            if (oldTest.agreement !== null) figure(`cert|${alpha}|${size}|gpt-4-turbo (every item a candidate)|agreement`).push(seed, oldTest.agreement);
            figure(`cert|${alpha}|${size}|gpt-4-turbo (every item a candidate)|held_out_risk_above_alpha`).push(seed, oldTest.risk > alpha ? 1 : 0);
            figure(`cert|${alpha}|${size}|gpt-4-turbo (every item a candidate)|population_risk_above_alpha`).push(
              seed,
              riskOn(old?.lambda ?? null, [p[j4]], y, all).risk > alpha ? 1 : 0,
            );
            figure(`cert|${alpha}|${size}|gpt-4-turbo (every item a candidate)|certified`).push(seed, old === null ? 0 : 1);
          }
        }
      }
    }
  });
  report(autoMethod, n, (Date.now() - started) / 1000);
}

const j4: Judge = "gpt-4-turbo";

function report(autoMethod: Record<number, string>, n: number, seconds: number): void {
  const r3 = (v: number): number => Math.round(v * 1000) / 1000;
  const cell = (key: string): { mean: number; min: number; max: number } | null => figures.get(key)?.summary ?? null;
  const show = (key: string): string => {
    const s = cell(key);
    return s === null ? "—".padStart(21) : `${s.mean.toFixed(3)} [${s.min.toFixed(3)}–${s.max.toFixed(3)}]`.padStart(21);
  };
  const lines: string[] = [];
  lines.push(
    `Trust-or-Escalate data: ${n} items; ${SEEDS.length} seeds × ${SPLITS} calibration/test splits; means over all splits [range of the seeds' means], on the test part.`,
  );
  lines.push(
    `auto = ${CAL_SIZES.map((s) => `${autoMethod[s]} at ${s}`).join(", ")}; symmetric = auto fitted on both orientations (what pairwise profiles use; temperature scaling below 200).`,
  );
  lines.push("top-label ECE: 10 equal-width bins of the pick's confidence max(q, 1−q) against agreement, the form of the anchor (GPT-4 Platt @100: 0.052).");
  lines.push(
    `floor: the same ECE against labels drawn from the predictions themselves (a perfectly calibrated judge); debiased: bootstrap bias-corrected (${RESAMPLES} resamples), GPT-4 only.`,
  );
  lines.push("ECE P(A wins): 10 equal-width bins of P(response A wins) against the label — a different quantity, not comparable with the anchor.");
  lines.push("");
  const calNames = ["top_label_ece", "top_label_ece_debiased", "top_label_floor", "ece_p_a", "adaptive_ece", "brier", "auroc"] as const;
  lines.push(["judge".padEnd(20), "labels", "variant  ", ...calNames.map((h) => h.padStart(21))].join(" "));
  const calibration: Record<string, unknown> = {};
  for (const j of JUDGES) {
    for (const size of CAL_SIZES) {
      for (const v of VARIANTS) {
        const base = `cal|${j}|${size}|${v}|`;
        lines.push([j.padEnd(20), String(size).padEnd(6), v.padEnd(9), ...calNames.map((f) => show(base + f))].join(" "));
        calibration[`${j}|${size}|${v}`] = Object.fromEntries(
          calNames.flatMap((f) => {
            const s = cell(base + f);
            return s ? [[f, { mean: r3(s.mean), min: r3(s.min), max: r3(s.max) }]] : [];
          }),
        );
      }
    }
  }
  lines.push("");
  lines.push(`Certified abstention, δ = ${DELTA}: thresholds certified on the calibration part exactly as POST /v1/calibrations does (pairwise:`);
  lines.push("the raw confidence on the fixed grid 1, 0.99, …, 0.5; a cascade tested as a whole with one δ), applied to the test part.");
  lines.push("guarantee = share of splits whose risk on ALL held-out items at the returned λ exceeds α (no slack). The held-out items are the");
  lines.push("rest of a finite pool, so a lucky calibration part leaves an unlucky test part: this share can exceed δ even for an exact test.");
  lines.push("pool risk = share of splits whose risk over all 500 items — the population the splits are drawn from — exceeds α.");
  lines.push("cascade = mistral-7b → gpt-3.5 → gpt-4 on their own probabilities; cascade_pooled = stage k on the mean probability of judges 0..k.");
  lines.push('"every item a candidate": GPT-4 with the earlier rule (a threshold at each calibration item\'s confidence, from 30 items), for reference.');
  const certNames = ["coverage", "agreement", "held_out_risk_above_alpha", "population_risk_above_alpha", "certified"] as const;
  lines.push(
    ["α".padEnd(5), "labels", "judge".padEnd(38), ...["coverage", "agreement", "guarantee", "pool risk", "certified"].map((h) => h.padStart(21))].join(" "),
  );
  const certification: Record<string, unknown> = {};
  const rowNames = [...JUDGES, "gpt-4-turbo (every item a candidate)", "cascade", "cascade_pooled"];
  for (const alpha of ALPHAS) {
    for (const size of CAL_SIZES) {
      for (const name of rowNames) {
        const base = `cert|${alpha}|${size}|${name}|`;
        lines.push([String(alpha).padEnd(5), String(size).padEnd(6), name.padEnd(38), ...certNames.map((f) => show(base + f))].join(" "));
        certification[`${alpha}|${size}|${name}`] = Object.fromEntries(
          certNames.flatMap((f) => {
            const s = cell(base + f);
            return s ? [[f, { mean: r3(s.mean), min: r3(s.min), max: r3(s.max) }]] : [];
          }),
        );
      }
    }
  }
  lines.push("");
  lines.push(
    `Anchors (the published method re-run on this data): GPT-4 Platt top-label ECE @100 = ${ANCHORS.gpt4_platt_top_label_ece_100}; coverage @250, α = 0.2: GPT-4 ${ANCHORS.coverage_250_alpha_0_2["gpt-4-turbo"]}, cascade ${ANCHORS.coverage_250_alpha_0_2.cascade}.`,
  );
  lines.push(
    `Here: GPT-4 top-label ECE @100 Platt ${show(`cal|${j4}|100|auto|top_label_ece`).trim()}, symmetric ${show(`cal|${j4}|100|symmetric|top_label_ece`).trim()} ` +
      `(debiased ${show(`cal|${j4}|100|symmetric|top_label_ece_debiased`).trim()}; floor ${show(`cal|${j4}|100|symmetric|top_label_floor`).trim()}); ` +
      `coverage @250, α = 0.2: GPT-4 ${show(`cert|0.2|250|${j4}|coverage`).trim()}, cascade ${show("cert|0.2|250|cascade|coverage").trim()}, pooled ${show("cert|0.2|250|cascade_pooled|coverage").trim()}.`,
  );
  lines.push(`Run time ${seconds.toFixed(1)} s.`);
  console.log(lines.join("\n"));
  console.log(
    JSON.stringify({
      dataset: "trust-or-escalate",
      items: n,
      seeds: SEEDS,
      splits_per_seed: SPLITS,
      delta: DELTA,
      auto_method: autoMethod,
      calibration,
      certification,
      anchors: ANCHORS,
    }),
  );
}

main();
