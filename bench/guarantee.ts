/**
 * Does the certificate hold? Simulated judges with a known truth (bench/guarantee-sim.ts), fitted
 * and certified exactly as POST /v1/calibrations does, scored against that truth.
 *
 *   npm run bench:guarantee [-- --runs 200]
 *
 * Cells: single judges (exactly calibrated, over-confident, under-confident; pointwise also a
 * lenient one) × calibrators × n ∈ {100, 250, 1000} labels × α ∈ {0.1, 0.2, 0.25}, and a 3-judge
 * cascade (plain and pooled), δ = 0.1. Per cell: the share of runs whose TRUE risk at the returned
 * λ exceeds α, with its 95% Clopper–Pearson interval (the promise is that this share is ≤ δ), the
 * share of runs certified, and the mean true coverage and risk. Pointwise single judges are also
 * run with the rule as fitted before (maps fitted and certified on the same labels) to show what
 * validity costs in coverage. The last line is one JSON object.
 */
import { clopperPearsonUpper, inverseRegularizedIncompleteBeta, minLabelsFor, type CalibrationMethod, type FitMethod } from "../src/calibration/index";
import { CASCADE_JUDGES, finitePoolShares, population, runCell, SINGLE_JUDGES, SPREAD, type World } from "./guarantee-sim";

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const RUNS = flag("runs", 200);
const POPULATION = flag("population", 20_000);
const DELTA = 0.1;
const SIZES = [100, 250, 1000] as const;
const ALPHAS = [0.1, 0.2, 0.25] as const;
const METHODS: CalibrationMethod[] = ["auto", "temperature", "platt", "beta", "isotonic"];

/** Two-sided 95% Clopper–Pearson interval of a binomial share. */
function shareInterval(k: number, n: number): [number, number] {
  const lo = k === 0 ? 0 : inverseRegularizedIncompleteBeta(0.025, k, n - k + 1);
  const hi = k === n ? 1 : clopperPearsonUpper(k, n, 0.025);
  return [lo, hi];
}

interface Row {
  world: string;
  kind: string;
  method: string;
  n: number;
  alpha: number;
  runs: number;
  violation_rate: number;
  violation_ci: [number, number];
  certified_rate: number;
  coverage: number;
  risk: number;
  /** The same cell with maps fitted and certified on the same labels (not valid). */
  in_sample?: { violation_rate: number; violation_ci: [number, number]; coverage: number };
}

const worlds: { world: World; methods: CalibrationMethod[] }[] = [];
const singles: [string, World["judges"], World["spread"]][] = [
  ...Object.entries(SINGLE_JUDGES).map(([name, judges]): [string, World["judges"], World["spread"]] => [name, judges, SPREAD]),
  // p uniform on [0, 1] and exactly calibrated: at α = 0.25 accepting everything is exactly at the
  // line, where a map's in-sample optimism shows most.
  ["calibrated, uniform", SINGLE_JUDGES.calibrated, "uniform"],
];
for (const [name, judges, spread] of singles) {
  worlds.push({ world: { name, kind: "pointwise", spread, judges }, methods: METHODS });
  // A pairwise rule decides on the raw signal (the symmetric map only reports p_calibrated), so
  // every calibrator certifies the same threshold: one row stands for all.
  if (name !== "lenient") worlds.push({ world: { name, kind: "pairwise", spread, judges }, methods: ["auto"] });
}
for (const kind of ["pointwise", "pairwise"] as const) {
  for (const pooled of [false, true]) {
    worlds.push({ world: { name: pooled ? "cascade, pooled" : "cascade", kind, spread: SPREAD, judges: CASCADE_JUDGES, pooled }, methods: ["auto"] });
  }
}

const started = Date.now();
const rows: Row[] = [];
let seed = 1;
for (const { world, methods } of worlds) {
  const pop = population(world, POPULATION, 7_000 + seed);
  for (const method of methods) {
    for (const n of SIZES) {
      if (method !== "auto" && n < minLabelsFor(world.kind, method as FitMethod)) continue;
      for (const alpha of ALPHAS) {
        const cellSeed = seed++;
        const r = runCell(world, pop, { n, alpha, delta: DELTA, method, runs: RUNS, seed: cellSeed });
        const old =
          world.kind === "pointwise" && !world.pooled && world.judges.length === 1
            ? runCell(world, pop, { n, alpha, delta: DELTA, method, runs: RUNS, seed: cellSeed, inSample: true })
            : null;
        rows.push({
          world: world.name,
          kind: world.kind,
          method,
          n,
          alpha,
          runs: r.runs,
          violation_rate: r.violations / r.runs,
          violation_ci: shareInterval(r.violations, r.runs),
          certified_rate: r.certified / r.runs,
          coverage: r.coverage,
          risk: r.risk,
          ...(old
            ? { in_sample: { violation_rate: old.violations / old.runs, violation_ci: shareInterval(old.violations, old.runs), coverage: old.coverage } }
            : {}),
        });
      }
    }
  }
}

const f3 = (v: number): string => v.toFixed(3);
const lines = [
  `Certified abstention against a known truth: δ = ${DELTA}, ${RUNS} runs per cell, true risk on ${POPULATION} items per world.`,
  "viol = share of runs whose true risk at the returned λ exceeds α [95% Clopper–Pearson interval]; the promise: ≤ δ.",
  "cert = share of runs with a certified λ; coverage and risk = their true values, means over runs (0 when nothing is certified).",
  "in-sample viol / coverage: pointwise single judges with the map fitted and certified on the same labels, as before (not valid).",
  "",
  ["kind", "judge", "method", "n", "α", "viol", "interval", "cert", "coverage", "risk", "in-sample viol", "coverage"]
    .map((h, i) => (i < 3 ? h.padEnd([10, 20, 12][i]!) : h.padStart(i === 6 ? 15 : i === 10 ? 23 : 8)))
    .join(" "),
];
for (const r of rows) {
  const flagged = r.violation_ci[0] > DELTA ? "  ← above δ" : "";
  lines.push(
    [
      r.kind.padEnd(10),
      r.world.padEnd(20),
      r.method.padEnd(12),
      String(r.n).padStart(8),
      String(r.alpha).padStart(8),
      f3(r.violation_rate).padStart(8),
      `[${f3(r.violation_ci[0])}, ${f3(r.violation_ci[1])}]`.padStart(15),
      f3(r.certified_rate).padStart(8),
      f3(r.coverage).padStart(8),
      f3(r.risk).padStart(8),
      (r.in_sample ? `${f3(r.in_sample.violation_rate)} [${f3(r.in_sample.violation_ci[0])}, ${f3(r.in_sample.violation_ci[1])}]` : "").padStart(23),
      (r.in_sample ? f3(r.in_sample.coverage) : "").padStart(8),
    ].join(" ") + flagged,
  );
}
const totalRuns = rows.reduce((s, r) => s + r.runs, 0);
const totalViolations = rows.reduce((s, r) => s + r.violation_rate * r.runs, 0);
const above = rows.filter((r) => r.violation_ci[0] > DELTA);
lines.push("");
lines.push(
  `All cells: ${Math.round(totalViolations)} violations in ${totalRuns} runs (${f3(totalViolations / totalRuns)}); worst cell ${f3(Math.max(...rows.map((r) => r.violation_rate)))}; cells whose interval lies above δ: ${above.length} of ${rows.length}.`,
);
const paired = rows.filter((r) => r.in_sample);
const oldAbove = paired.filter((r) => r.in_sample!.violation_ci[0] > DELTA);
const share = (rs: Row[], rate: (r: Row) => number): string => f3(rs.reduce((s, r) => s + rate(r) * r.runs, 0) / rs.reduce((s, r) => s + r.runs, 0));
lines.push(
  `Pointwise single judges, held-out certification against in-sample: violations ${share(paired, (r) => r.violation_rate)} against ${share(paired, (r) => r.in_sample!.violation_rate)}; ` +
    `mean true coverage ${f3(paired.reduce((s, r) => s + r.coverage, 0) / paired.length)} against ${f3(paired.reduce((s, r) => s + r.in_sample!.coverage, 0) / paired.length)}; ` +
    `worst cell ${f3(Math.max(...paired.map((r) => r.violation_rate)))} against ${f3(Math.max(...paired.map((r) => r.in_sample!.violation_rate)))}; in-sample cells above δ: ${oldAbove.length} of ${paired.length}.`,
);
// The protocol of bench:calibration (500-item pools split 250/250) where the truth is known: what
// its "guarantee" column shows for a rule whose true risk is within the promise.
const poolWorld: World = { name: "calibrated", kind: "pairwise", spread: SPREAD, judges: SINGLE_JUDGES.calibrated };
const pool = finitePoolShares(poolWorld, population(poolWorld, POPULATION, 9), {
  pools: 20,
  splits: 50,
  poolSize: 500,
  calibrationSize: 250,
  alpha: 0.2,
  delta: DELTA,
  seed: 11,
});
lines.push(
  `Finite pools (a calibrated pairwise judge, 20 pools of 500 items × 50 splits of 250/250, α = 0.2): risk above α on the held-out part ${f3(pool.held_out)}, ` +
    `over the whole pool ${f3(pool.pool)}, in truth ${f3(pool.truth)}.`,
);
lines.push(`Run time ${((Date.now() - started) / 1000).toFixed(1)} s.`);
console.log(lines.join("\n"));
console.log(JSON.stringify({ delta: DELTA, runs: RUNS, population: POPULATION, cells: rows, cells_above_delta: above.length, finite_pool: pool }));
