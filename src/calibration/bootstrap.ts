import { metricsUnchecked, type Metrics } from './metrics.js';
import { quantileSorted } from './numeric.js';
import { mulberry32, resampleIndices } from './random.js';
import { sortSample, weightedMetrics } from './weighted-metrics.js';
import { assertIntegerAtLeast, assertOpenUnit, assertScoredLabels } from './validate.js';

export interface BootstrapOptions {
  /** Number of resamples; default 1,000. */
  resamples?: number;
  /** Central coverage of the interval; default 0.95. */
  level?: number;
  seed?: number;
}

export interface Interval {
  estimate: number;
  lo: number;
  hi: number;
}

export type MetricName = Exclude<keyof Metrics, 'n'>;
/** The metrics of computeMetrics that get an interval. */
export const METRIC_NAMES: ReadonlyArray<MetricName> = ['ece', 'adaptive_ece', 'brier', 'log_loss', 'auroc', 'accuracy'];

export interface MetricsWithIntervals {
  n: number;
  resamples: number;
  level: number;
  ece: Interval;
  adaptive_ece: Interval;
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
  assertIntegerAtLeast(n, 1, 'n');
  const { resamples, level, seed } = resolve(options);
  const rng = mulberry32(seed);
  const values: number[] = [];
  for (let r = 0; r < resamples; r++) {
    const v = statistic(resampleIndices(rng, n));
    if (v !== null && Number.isFinite(v)) values.push(v);
  }
  return percentiles(values, level);
}

/**
 * Every metric of computeMetrics with a percentile bootstrap interval. All metrics are computed on
 * the same resamples, so their intervals are comparable.
 */
export function metricsWithIntervals(
  p: ReadonlyArray<number>,
  y: ReadonlyArray<number>,
  options: BootstrapOptions = {},
): MetricsWithIntervals {
  assertScoredLabels(p, y);
  const { resamples, level, seed } = resolve(options);
  const point = metricsUnchecked(p, y);
  const rng = mulberry32(seed);
  const draws: Record<MetricName, number[]> = { ece: [], adaptive_ece: [], brier: [], log_loss: [], auroc: [], accuracy: [] };
  const n = p.length;
  const sorted = sortSample(p, y);
  const weights = new Uint32Array(n);
  for (let r = 0; r < resamples && n > 0; r++) {
    weights.fill(0);
    for (const i of resampleIndices(rng, n)) weights[sorted.rank[i] as number]! += 1;
    const m = weightedMetrics(sorted, weights, n);
    for (const name of METRIC_NAMES) {
      const v = m[name];
      if (v !== null) draws[name].push(v);
    }
  }
  const interval = (name: MetricName): Interval | null => {
    const estimate = point[name];
    const range = percentiles(draws[name], level);
    return estimate === null || range === null ? null : { estimate, lo: range.lo, hi: range.hi };
  };
  const always = (name: Exclude<MetricName, 'auroc'>): Interval =>
    interval(name) ?? { estimate: point[name], lo: point[name], hi: point[name] };
  return {
    n,
    resamples,
    level,
    ece: always('ece'),
    adaptive_ece: always('adaptive_ece'),
    brier: always('brier'),
    log_loss: always('log_loss'),
    auroc: interval('auroc'),
    accuracy: always('accuracy'),
  };
}

function resolve(options: BootstrapOptions): Required<BootstrapOptions> {
  const resamples = options.resamples ?? 1000;
  const level = options.level ?? 0.95;
  const seed = options.seed ?? 0;
  assertIntegerAtLeast(resamples, 1, 'options.resamples');
  assertOpenUnit(level, 'options.level');
  return { resamples, level, seed };
}

function percentiles(values: number[], level: number): { lo: number; hi: number; used: number } | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const tail = (1 - level) / 2;
  return { lo: quantileSorted(sorted, tail), hi: quantileSorted(sorted, 1 - tail), used: values.length };
}
