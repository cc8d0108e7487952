import { DEFAULT_BINS, metricsUnchecked, type Metrics } from "./metrics";
import { quantileSorted } from "./numeric";
import { mulberry32, resampleIndices } from "./random";
import { sortSample, weightedMetrics, type CalibrationSums } from "./weighted-metrics";
import { assertIntegerAtLeast, assertOpenUnit, assertScoredLabels } from "./validate";

export interface BootstrapOptions {
  /** Number of resamples; default 1,000. */
  resamples?: number;
  /** Central coverage of the interval; default 0.95. */
  level?: number;
  seed?: number;
}

interface Interval {
  /** The statistic on the sample itself. */
  estimate: number;
  /**
   * Bootstrap bias-corrected value, 2·estimate − mean of the resampled values, within the metric's
   * range. Binned calibration errors are biased upwards on finite data (a perfectly calibrated
   * judge shows ECE > 0 on every sample); this removes most of that bias.
   */
  debiased: number;
  /** Covers the metric's population value with probability ≈ `level` (see metricsWithIntervals). */
  lo: number;
  hi: number;
}

type MetricName = Exclude<keyof Metrics, "n">;
/** The metrics of computeMetrics that get an interval. */
const METRIC_NAMES: ReadonlyArray<MetricName> = ["ece", "adaptive_ece", "top_label_ece", "brier", "log_loss", "auroc", "accuracy"];

export interface MetricsWithIntervals {
  n: number;
  resamples: number;
  level: number;
  ece: Interval;
  adaptive_ece: Interval;
  top_label_ece: Interval;
  brier: Interval;
  log_loss: Interval;
  /** Null when the full sample has one class only. */
  auroc: Interval | null;
  accuracy: Interval;
}

/**
 * Percentile bootstrap interval of any statistic of n items. `statistic` receives the resampled
 * indices and may return null when undefined on a resample (e.g. AUROC with one class); such
 * resamples are left out. Returns null when every resample was undefined.
 */
export function percentileBootstrap(
  n: number,
  statistic: (indices: Uint32Array) => number | null,
  options: BootstrapOptions = {},
): { lo: number; hi: number; used: number } | null {
  assertIntegerAtLeast(n, 1, "n");
  const { resamples, level, seed } = resolve(options);
  const rng = mulberry32(seed);
  const values: number[] = [];
  for (let r = 0; r < resamples; r++) {
    const v = statistic(resampleIndices(rng, n));
    if (v !== null && Number.isFinite(v)) values.push(v);
  }
  return percentiles(values, level);
}

/** The binned calibration errors, whose intervals come from their noise term rather than their spread. */
const CALIBRATION_ERRORS = { ece: "ece", adaptive_ece: "adaptive", top_label_ece: "top" } as const;
type CalibrationError = keyof typeof CALIBRATION_ERRORS;

/**
 * Every metric of computeMetrics with a bias-corrected value and an interval, all from the same
 * resamples.
 *
 * A calibration error is Σ_b |S_b| / n over bins b, S_b = Σ (p − y) in the bin. Its estimate is
 * biased upwards, most of all when the truth is 0, so no interval centred on it covers a calibrated
 * judge's 0 (the percentile interval's lower end sits near 0.08 for a perfectly calibrated judge at
 * n = 100). By the triangle inequality the estimate lies within N = Σ_b |S_b − E S_b| / n of the
 * truth, so [estimate − q, estimate + q], with q the (1+level)/2 quantile of the resampled noise
 * Σ_b |S*_b − S_b| / n, covers it with probability ≈ level or more; test/calibration checks this by
 * simulation. The other metrics are nearly unbiased and get the percentile interval.
 */
export function metricsWithIntervals(p: ReadonlyArray<number>, y: ReadonlyArray<number>, options: BootstrapOptions = {}): MetricsWithIntervals {
  assertScoredLabels(p, y);
  const { resamples, level, seed } = resolve(options);
  const point = metricsUnchecked(p, y);
  const rng = mulberry32(seed);
  const draws: Record<MetricName, number[]> = { ece: [], adaptive_ece: [], top_label_ece: [], brier: [], log_loss: [], auroc: [], accuracy: [] };
  const noise: Record<CalibrationError, number[]> = { ece: [], adaptive_ece: [], top_label_ece: [] };
  const n = p.length;
  const sorted = sortSample(p, y);
  const weights = new Uint32Array(n);
  const newSums = (): CalibrationSums => ({
    ece: new Float64Array(DEFAULT_BINS),
    adaptive: new Float64Array(DEFAULT_BINS),
    top: new Float64Array(DEFAULT_BINS),
  });
  const own = newSums();
  weightedMetrics(sorted, weights.fill(1), n, own);
  const resampled = newSums();
  for (let r = 0; r < resamples && n > 0; r++) {
    weights.fill(0);
    for (const i of resampleIndices(rng, n)) weights[sorted.rank[i] as number]! += 1;
    const m = weightedMetrics(sorted, weights, n, resampled);
    for (const name of METRIC_NAMES) {
      const v = m[name];
      if (v !== null) draws[name].push(v);
    }
    for (const [name, key] of Object.entries(CALIBRATION_ERRORS) as [CalibrationError, keyof CalibrationSums][]) {
      let total = 0;
      for (let b = 0; b < DEFAULT_BINS; b++) total += Math.abs((resampled[key][b] as number) - (own[key][b] as number));
      noise[name].push(total / n);
    }
  }
  const interval = (name: MetricName): Interval | null => {
    const estimate = point[name];
    if (estimate === null || draws[name].length === 0) return null;
    const max = name === "log_loss" ? Number.POSITIVE_INFINITY : 1;
    const clip = (v: number): number => Math.min(max, Math.max(0, v));
    const debiased = clip(2 * estimate - draws[name].reduce((s, v) => s + v, 0) / draws[name].length);
    if (Object.hasOwn(CALIBRATION_ERRORS, name)) {
      const q = quantileSorted(Float64Array.from(noise[name as CalibrationError]).sort(), (1 + level) / 2);
      return { estimate, debiased, lo: clip(estimate - q), hi: clip(estimate + q) };
    }
    const range = percentiles(draws[name], level)!;
    return { estimate, debiased, lo: range.lo, hi: range.hi };
  };
  const always = (name: Exclude<MetricName, "auroc">): Interval =>
    interval(name) ?? { estimate: point[name], debiased: point[name], lo: point[name], hi: point[name] };
  return {
    n,
    resamples,
    level,
    ece: always("ece"),
    adaptive_ece: always("adaptive_ece"),
    top_label_ece: always("top_label_ece"),
    brier: always("brier"),
    log_loss: always("log_loss"),
    auroc: interval("auroc"),
    accuracy: always("accuracy"),
  };
}

function resolve(options: BootstrapOptions): Required<BootstrapOptions> {
  const resamples = options.resamples ?? 1000;
  const level = options.level ?? 0.95;
  const seed = options.seed ?? 0;
  assertIntegerAtLeast(resamples, 1, "options.resamples");
  assertOpenUnit(level, "options.level");
  return { resamples, level, seed };
}

function percentiles(values: number[], level: number): { lo: number; hi: number; used: number } | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const tail = (1 - level) / 2;
  return { lo: quantileSorted(sorted, tail), hi: quantileSorted(sorted, 1 - tail), used: values.length };
}
