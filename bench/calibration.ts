/**
 * Calibration and certified-abstention benchmark on the Trust-or-Escalate judge data
 * (Jung, Brahman & Choi 2024, arXiv 2407.18370).
 *
 *   npx tsx bench/calibration.ts <dir-with-*.calibration.jsonl>
 *
 * Over seeded random calibration/test splits it measures, on the test part only, how well
 * calibrators fitted on the calibration part work, and the coverage and human agreement of
 * thresholds certified on the calibration part. The last line of output is one JSON object.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  certifyCascade,
  certifyThreshold,
  evaluateCascade,
  expectedCalibrationError,
  computeMetrics,
  fitCalibrator,
  mulberry32,
  pairwiseAgreement,
  pairwiseConfidence,
  permutation,
  pooledSignal,
  routeItem,
  type CascadeJudge,
  type FittedCalibrator,
} from '../src/calibration/index.js';

const JUDGES = ['gpt-4-turbo', 'gpt-3.5-turbo', 'mistral-7b-instruct'] as const;
/** Cheapest first, as in the paper. */
const CASCADE_ORDER = ['mistral-7b-instruct', 'gpt-3.5-turbo', 'gpt-4-turbo'] as const;
const SPLITS = 200;
const SEED = 20240725;
const CAL_SIZES = [50, 100, 250] as const;
const ALPHAS = [0.2, 0.15] as const;
const DELTA = 0.1;
/** A split "violates" when test agreement on accepted items falls this far below 1 − α. */
const SLACK = 0.05;
const CASCADES = ['cascade', 'cascade_pooled'] as const;
/** The cascade's calibration figures depend on its routing: they are reported at this α. */
const CASCADE_CALIBRATION_ALPHA = 0.2;

type Judge = (typeof JUDGES)[number];
interface Row {
  instruction: string;
  outputs: string[];
  preferences: { human: number };
  probs: number[];
}

function load(dir: string): { p: Record<Judge, number[]>; y: number[] } {
  const rows = Object.fromEntries(
    JUDGES.map((j) => [
      j,
      readFileSync(join(dir, `${j}.calibration.jsonl`), 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
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

/** ECE on the confidence of the chosen answer vs agreement, for comparison with top-label figures. */
function topLabelEce(p: ReadonlyArray<number>, y: ReadonlyArray<number>): number {
  return expectedCalibrationError(
    p.map(pairwiseConfidence),
    p.map((v, i) => (pairwiseAgreement(v, y[i] as number) ? 1 : 0)),
  );
}

/** A judge's raw and calibrated signal, with the confidence and agreement certification works on. */
interface View extends CascadeJudge {
  raw: ReadonlyArray<number>;
  q: number[];
}

function judgeView(cal: FittedCalibrator, p: ReadonlyArray<number>, y: ReadonlyArray<number>): View {
  const q = p.map(cal.apply);
  return { raw: p, q, confidence: q.map(pairwiseConfidence), agree: q.map((v, i) => pairwiseAgreement(v, y[i] as number)) };
}

interface CalStats {
  ece: number[];
  /** ECE the same predictions would show against labels drawn from themselves: the sampling floor. */
  ece_floor: number[];
  adaptive_ece: number[];
  top_label_ece: number[];
  brier: number[];
  auroc: number[];
}
interface CertStats {
  coverage: number[];
  agreement: number[];
  violations: number;
  certified: number;
}
/** Pushes one split's test-part calibration figures of the predictions `preds`. */
function recordCalibration(s: CalStats, preds: ReadonlyArray<number>, y: ReadonlyArray<number>, floorRng: () => number): void {
  const m = computeMetrics(preds, y);
  s.ece.push(m.ece);
  s.ece_floor.push(expectedCalibrationError(preds, preds.map((q) => (floorRng() < q ? 1 : 0))));
  s.adaptive_ece.push(m.adaptive_ece);
  s.top_label_ece.push(topLabelEce(preds, y));
  s.brier.push(m.brier);
  s.auroc.push(m.auroc ?? Number.NaN);
}

const newCal = (): CalStats => ({ ece: [], ece_floor: [], adaptive_ece: [], top_label_ece: [], brier: [], auroc: [] });
const newCert = (): CertStats => ({ coverage: [], agreement: [], violations: 0, certified: 0 });

function main(): void {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: npx tsx bench/calibration.ts <dir>');
    process.exit(2);
  }
  const started = Date.now();
  const { p, y } = load(dir);
  const n = y.length;

  // Pooled signals for the cascade variant: stage k averages the probabilities of the first k
  // judges of the cascade, all of which have already run on any item that reaches stage k.
  const pooled = CASCADE_ORDER.map((_, k) => y.map((_, i) => pooledSignal(CASCADE_ORDER.slice(0, k + 1).map((j) => p[j][i] as number))));

  const VARIANTS = ['raw', 'auto', 'symmetric'] as const;
  const calStats: Record<string, Record<number, Record<string, CalStats>>> = {};
  const autoMethod: Record<number, string> = {};
  const certNames = [...JUDGES, 'cascade', 'cascade_pooled'] as const;
  const certStats: Record<number, Record<number, Record<string, CertStats>>> = {};
  for (const j of JUDGES) calStats[j] = Object.fromEntries(CAL_SIZES.map((s) => [s, Object.fromEntries(VARIANTS.map((v) => [v, newCal()]))]));
  for (const c of CASCADES) calStats[c] = Object.fromEntries(CAL_SIZES.map((s) => [s, { raw: newCal(), symmetric: newCal() }]));
  for (const a of ALPHAS) certStats[a] = Object.fromEntries(CAL_SIZES.map((s) => [s, Object.fromEntries(certNames.map((c) => [c, newCert()]))]));

  const floorRng = mulberry32(SEED ^ 0x5eed);
  // Its own stream, so adding the cascade rows left every per-judge figure as it was.
  const cascadeFloorRng = mulberry32(SEED ^ 0xca5c);
  for (let split = 0; split < SPLITS; split++) {
    const perm = permutation(mulberry32(SEED + split), n);
    for (const size of CAL_SIZES) {
      const calIdx = perm.slice(0, size);
      const testIdx = perm.slice(size);
      const yCal = pick(y, calIdx);
      const yTest = pick(y, testIdx);
      const views: Record<string, { cal: View; test: View }> = {};

      for (const j of JUDGES) {
        const pCal = pick(p[j], calIdx);
        const pTest = pick(p[j], testIdx);
        // `auto` below 200 labels is Platt, from 200 beta calibration.
        const auto = fitCalibrator(pCal, yCal, { method: 'auto' });
        const sym = fitCalibrator(pCal, yCal, { method: 'auto', symmetric: true });
        autoMethod[size] = auto.model.method;
        const preds = { raw: pTest, auto: pTest.map(auto.apply), symmetric: pTest.map(sym.apply) };
        for (const v of VARIANTS) recordCalibration(calStats[j]![size]![v]!, preds[v], yTest, floorRng);
        views[j] = { cal: judgeView(sym, pCal, yCal), test: judgeView(sym, pTest, yTest) };
      }
      const pooledViews = pooled.map((signal) => {
        const sym = fitCalibrator(pick(signal, calIdx), yCal, { method: 'auto', symmetric: true });
        return { cal: judgeView(sym, pick(signal, calIdx), yCal), test: judgeView(sym, pick(signal, testIdx), yTest) };
      });

      for (const alpha of ALPHAS) {
        const record = (name: string, certified: boolean, out: { coverage: number; agreement: number | null }): void => {
          const s = certStats[alpha]![size]![name]!;
          s.coverage.push(out.coverage);
          if (certified) s.certified++;
          if (out.agreement !== null) {
            s.agreement.push(out.agreement);
            if (out.agreement < 1 - alpha - SLACK) s.violations++;
          }
        };
        const options = { alpha, delta: DELTA };
        for (const j of JUDGES) {
          const v = views[j]!;
          const cert = certifyThreshold(v.cal.confidence, v.cal.agree, options);
          record(j, cert !== null, evaluateCascade([cert?.lambda ?? null], [v.test]));
        }
        for (const [name, stages] of [
          ['cascade', CASCADE_ORDER.map((j) => views[j]!)],
          ['cascade_pooled', pooledViews],
        ] as const) {
          const cert = certifyCascade(stages.map((s) => s.cal), options);
          record(name, cert.lambdas.some((l) => l !== null), evaluateCascade(cert.lambdas, stages.map((s) => s.test)));
          if (alpha !== CASCADE_CALIBRATION_ALPHA) continue;
          // The cascade's probability for an item is that of the judge that decides it, or of the
          // last judge when all abstain; "raw" is that judge's own (or pooled) signal.
          const decider = yTest.map((_, i) => {
            const route = routeItem(cert.lambdas, (k) => stages[k]!.test.confidence[i] as number);
            return route.decided_by ?? stages.length - 1;
          });
          const s = calStats[name]![size]!;
          recordCalibration(s.raw!, decider.map((k, i) => stages[k]!.test.raw[i] as number), yTest, cascadeFloorRng);
          recordCalibration(s.symmetric!, decider.map((k, i) => stages[k]!.test.q[i] as number), yTest, cascadeFloorRng);
        }
      }
    }
  }

  report({ calStats, certStats, autoMethod, certNames, n, seconds: (Date.now() - started) / 1000 });
}

function report(args: {
  calStats: Record<string, Record<number, Record<string, CalStats>>>;
  certStats: Record<number, Record<number, Record<string, CertStats>>>;
  autoMethod: Record<number, string>;
  certNames: ReadonlyArray<string>;
  n: number;
  seconds: number;
}): void {
  const { calStats, certStats, autoMethod, certNames } = args;
  const r3 = (v: number): number => Math.round(v * 1000) / 1000;
  const pad = (s: string | number, w: number): string => String(s).padStart(w);
  const lines: string[] = [];
  lines.push(`Trust-or-Escalate data: ${args.n} items, ${SPLITS} seeded splits (seed ${SEED}); all figures are means over splits, on the test part.`);
  lines.push(`auto = ${CAL_SIZES.map((s) => `${autoMethod[s]} at ${s}`).join(', ')}; symmetric = auto fitted on both orientations (reduces to temperature scaling).`);
  lines.push('ECE: 10 equal-width bins on P(response 1 wins) vs label; floor: ECE of the same predictions against labels');
  lines.push('drawn from them (what a perfectly calibrated judge would show); top-ECE: ECE of max(p,1−p) vs agreement.');
  lines.push(`cascade rows: each test item's probability is that of the judge deciding it at α = ${CASCADE_CALIBRATION_ALPHA} (the last judge if none does).`);
  lines.push('');
  lines.push(['judge', 'labels', 'variant', 'ECE', 'floor', 'adaECE', 'top-ECE', 'Brier', 'AUROC'].map((h, i) => (i < 3 ? h.padEnd([20, 6, 9][i]!) : pad(h, 8))).join(' '));
  const calibration: Record<string, unknown> = {};
  for (const j of [...JUDGES, ...CASCADES]) {
    calibration[j] = {};
    for (const size of CAL_SIZES) {
      const entry: Record<string, unknown> = (CASCADES as ReadonlyArray<string>).includes(j) ? { routed_at_alpha: CASCADE_CALIBRATION_ALPHA } : { auto_method: autoMethod[size] };
      for (const [v, s] of Object.entries(calStats[j]![size]!)) {
        const m = { ece: r3(mean(s.ece)), ece_floor: r3(mean(s.ece_floor)), adaptive_ece: r3(mean(s.adaptive_ece)), top_label_ece: r3(mean(s.top_label_ece)), brier: r3(mean(s.brier)), auroc: r3(mean(s.auroc)) };
        entry[v] = m;
        lines.push([j.padEnd(20), String(size).padEnd(6), v.padEnd(9), ...Object.values(m).map((x) => pad(x.toFixed(3), 8))].join(' '));
      }
      (calibration[j] as Record<string, unknown>)[size] = entry;
    }
  }
  lines.push('');
  lines.push(`Certified abstention, δ = ${DELTA}, thresholds certified on the calibration part (symmetric-calibrated confidence),`);
  lines.push(`applied to the test part. viol = share of splits with test agreement on accepted < 1 − α − ${SLACK}.`);
  lines.push('cascade = mistral-7b → gpt-3.5 → gpt-4 on each judge\'s own probability; cascade_pooled = stage k uses the');
  lines.push('average probability of the first k judges (no fitted weights, same calls as the cascade).');
  lines.push(['α', 'labels', 'judge', 'coverage', 'agree', 'viol', 'certified'].map((h, i) => (i < 3 ? h.padEnd([5, 6, 20][i]!) : pad(h, 9))).join(' '));
  const certification: Record<string, unknown> = {};
  for (const alpha of ALPHAS) {
    const byAlpha: Record<string, unknown> = {};
    for (const size of CAL_SIZES) {
      const bySize: Record<string, unknown> = {};
      for (const name of certNames) {
        const s = certStats[alpha]![size]![name]!;
        const m = { coverage: r3(mean(s.coverage)), agreement: r3(mean(s.agreement)), violation_rate: r3(s.violations / SPLITS), certified_rate: r3(s.certified / SPLITS) };
        bySize[name] = m;
        lines.push([String(alpha).padEnd(5), String(size).padEnd(6), name.padEnd(20), ...Object.values(m).map((x) => pad(x.toFixed(3), 9))].join(' '));
      }
      byAlpha[size] = bySize;
    }
    certification[String(alpha)] = byAlpha;
  }
  const g4 = (calibration['gpt-4-turbo'] as Record<number, Record<string, { ece: number }>>)[100]!;
  const c02 = certification['0.2'] as Record<number, Record<string, { coverage: number; agreement: number }>>;
  lines.push('');
  lines.push(`Anchors (published method re-run): GPT-4 Platt ECE @100 = 0.052; coverage @250, α=0.2: GPT-4 0.595, cascade 0.660.`);
  lines.push(
    `Here: GPT-4 ECE @100 auto(${autoMethod[100]}) ${g4.auto!.ece.toFixed(3)}, symmetric ${g4.symmetric!.ece.toFixed(3)}; ` +
      `coverage @250: GPT-4 ${c02[250]!['gpt-4-turbo']!.coverage.toFixed(3)}, cascade ${c02[250]!.cascade!.coverage.toFixed(3)}, ` +
      `cascade_pooled ${c02[250]!.cascade_pooled!.coverage.toFixed(3)} (agreement ${c02[250]!.cascade_pooled!.agreement.toFixed(3)}).`,
  );
  lines.push(`Run time ${args.seconds.toFixed(1)} s.`);
  console.log(lines.join('\n'));
  console.log(
    JSON.stringify({
      dataset: 'trust-or-escalate',
      items: args.n,
      splits: SPLITS,
      seed: SEED,
      delta: DELTA,
      violation_slack: SLACK,
      min_accepted: 30,
      auto_method: autoMethod,
      calibration,
      certification,
      anchors: { gpt4_platt_ece_100: 0.052, coverage_250_alpha_0_2: { 'gpt-4-turbo': 0.595, cascade: 0.66 } },
    }),
  );
}

main();
