import { clipProbability } from "./numeric";
import { assertIntegerAtLeast, assertScoredLabels } from "./validate";

/*
 * Calibration is measured mainly on the probability of the positive outcome against the 0/1 label
 * (the classic reliability-diagram form): for a pairwise judge both halves of [0, 1] then carry
 * information, and a map that is miscalibrated in one direction only (position bias) shows up.
 * The top-label form (confidence of the pick, max(p, 1−p), against whether the pick was right),
 * which much of the judge literature reports, is given beside it.
 */

export const DEFAULT_BINS = 10;

export interface ReliabilityBin {
  lo: number;
  hi: number;
  count: number;
  /** Mean predicted probability in the bin; null when empty. */
  mean_confidence: number | null;
  /** Observed frequency of the positive outcome in the bin; null when empty. */
  accuracy: number | null;
}

export interface Metrics {
  n: number;
  ece: number;
  adaptive_ece: number;
  /** ECE of the pick's confidence max(p, 1−p) against agreement (pick p ≥ ½ equals the label). */
  top_label_ece: number;
  brier: number;
  log_loss: number;
  /** Null when only one class is present. */
  auroc: number | null;
  accuracy: number;
}

/** Equal-width reliability bins; p = 1 falls in the last bin. */
export function reliabilityBins(p: ReadonlyArray<number>, y: ReadonlyArray<number>, bins = DEFAULT_BINS): ReliabilityBin[] {
  assertScoredLabels(p, y);
  assertIntegerAtLeast(bins, 1, "bins");
  return binsUnchecked(p, y, bins);
}

function binsUnchecked(p: ReadonlyArray<number>, y: ReadonlyArray<number>, bins: number): ReliabilityBin[] {
  const count = new Array<number>(bins).fill(0);
  const sumP = new Array<number>(bins).fill(0);
  const sumY = new Array<number>(bins).fill(0);
  p.forEach((v, i) => {
    const b = Math.min(bins - 1, Math.floor(v * bins));
    count[b] = (count[b] as number) + 1;
    sumP[b] = (sumP[b] as number) + v;
    sumY[b] = (sumY[b] as number) + (y[i] as number);
  });
  return count.map((c, b) => ({
    lo: b / bins,
    hi: (b + 1) / bins,
    count: c,
    mean_confidence: c > 0 ? (sumP[b] as number) / c : null,
    accuracy: c > 0 ? (sumY[b] as number) / c : null,
  }));
}

/** Expected calibration error over equal-width bins: Σ (n_b / n)·|mean p_b − mean y_b|. */
export function expectedCalibrationError(p: ReadonlyArray<number>, y: ReadonlyArray<number>, bins = DEFAULT_BINS): number {
  assertScoredLabels(p, y);
  assertIntegerAtLeast(bins, 1, "bins");
  return eceUnchecked(p, y, bins);
}

function eceUnchecked(p: ReadonlyArray<number>, y: ReadonlyArray<number>, bins: number): number {
  if (p.length === 0) return 0;
  let total = 0;
  for (const b of binsUnchecked(p, y, bins)) {
    if (b.count > 0) total += b.count * Math.abs((b.mean_confidence as number) - (b.accuracy as number));
  }
  return total / p.length;
}

/**
 * Adaptive ECE: the same sum over equal-mass bins (items sorted by p, split into `bins` groups
 * whose sizes differ by at most one). Judges whose probabilities pile up near 0 and 1 leave most
 * equal-width bins nearly empty; equal-mass bins spread the resolution where the data are. Items
 * with equal p cannot be ordered by p, so a bin boundary that falls inside a run of ties splits it
 * by count, each part carrying the run's mean label: the result does not depend on input order.
 */
export function adaptiveCalibrationError(p: ReadonlyArray<number>, y: ReadonlyArray<number>, bins = DEFAULT_BINS): number {
  assertScoredLabels(p, y);
  assertIntegerAtLeast(bins, 1, "bins");
  return adaptiveUnchecked(p, y, bins);
}

function adaptiveUnchecked(p: ReadonlyArray<number>, y: ReadonlyArray<number>, bins: number): number {
  const n = p.length;
  if (n === 0) return 0;
  const order = p.map((_, i) => i).sort((i, j) => (p[i] as number) - (p[j] as number));
  const tiedMean = new Float64Array(n);
  for (let start = 0; start < n; ) {
    let end = start;
    let sum = 0;
    while (end < n && p[order[end] as number] === p[order[start] as number]) sum += y[order[end++] as number] as number;
    tiedMean.fill(sum / (end - start), start, end);
    start = end;
  }
  let total = 0;
  let start = 0;
  for (let b = 0; b < bins; b++) {
    const end = start + Math.floor(n / bins) + (b < n % bins ? 1 : 0);
    let sp = 0;
    let sy = 0;
    for (let k = start; k < end; k++) {
      sp += p[order[k] as number] as number;
      sy += tiedMean[k] as number;
    }
    total += Math.abs(sp - sy);
    start = end;
  }
  return total / n;
}

/** ECE of the pick: confidence max(p, 1−p) against whether the pick (p ≥ ½) matched the label. */
export function topLabelCalibrationError(p: ReadonlyArray<number>, y: ReadonlyArray<number>, bins = DEFAULT_BINS): number {
  assertScoredLabels(p, y);
  assertIntegerAtLeast(bins, 1, "bins");
  return topLabelUnchecked(p, y, bins);
}

function topLabelUnchecked(p: ReadonlyArray<number>, y: ReadonlyArray<number>, bins: number): number {
  return eceUnchecked(
    p.map((v) => Math.max(v, 1 - v)),
    p.map((v, i) => ((v >= 0.5 ? 1 : 0) === y[i] ? 1 : 0)),
    bins,
  );
}

/** Mean squared difference between p and the label. */
export function brierScore(p: ReadonlyArray<number>, y: ReadonlyArray<number>): number {
  assertScoredLabels(p, y);
  return brierUnchecked(p, y);
}

function brierUnchecked(p: ReadonlyArray<number>, y: ReadonlyArray<number>): number {
  if (p.length === 0) return 0;
  let s = 0;
  p.forEach((v, i) => {
    s += (v - (y[i] as number)) ** 2;
  });
  return s / p.length;
}

/** Mean negative log-likelihood, with p clipped to [1e-6, 1−1e-6] so a confident miss costs ≈ 13.8, not ∞. */
export function logLoss(p: ReadonlyArray<number>, y: ReadonlyArray<number>): number {
  assertScoredLabels(p, y);
  return logLossUnchecked(p, y);
}

function logLossUnchecked(p: ReadonlyArray<number>, y: ReadonlyArray<number>): number {
  if (p.length === 0) return 0;
  let s = 0;
  p.forEach((v, i) => {
    const q = clipProbability(v);
    s -= y[i] === 1 ? Math.log(q) : Math.log(1 - q);
  });
  return s / p.length;
}

/**
 * Area under the ROC curve in its Mann–Whitney form: the probability that a random positive
 * scores above a random negative, ties counting one half (via mid-ranks). Null with one class.
 */
export function auroc(p: ReadonlyArray<number>, y: ReadonlyArray<number>): number | null {
  assertScoredLabels(p, y);
  return aurocUnchecked(p, y);
}

function aurocUnchecked(p: ReadonlyArray<number>, y: ReadonlyArray<number>): number | null {
  const n = p.length;
  let nPos = 0;
  for (const v of y) nPos += v;
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return null;
  const order = p.map((_, i) => i).sort((i, j) => (p[i] as number) - (p[j] as number));
  let rankSumPos = 0;
  for (let start = 0; start < n; ) {
    let end = start;
    while (end + 1 < n && p[order[end + 1] as number] === p[order[start] as number]) end++;
    const midRank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) if (y[order[k] as number] === 1) rankSumPos += midRank;
    start = end + 1;
  }
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/** Share of items where (p ≥ threshold) matches the label. */
export function accuracyAt(p: ReadonlyArray<number>, y: ReadonlyArray<number>, threshold = 0.5): number {
  assertScoredLabels(p, y);
  return accuracyUnchecked(p, y, threshold);
}

function accuracyUnchecked(p: ReadonlyArray<number>, y: ReadonlyArray<number>, threshold: number): number {
  if (p.length === 0) return 0;
  let hits = 0;
  p.forEach((v, i) => {
    hits += (v >= threshold ? 1 : 0) === y[i] ? 1 : 0;
  });
  return hits / p.length;
}

/** All point metrics at once (10 bins, accuracy at 0.5). */
export function computeMetrics(p: ReadonlyArray<number>, y: ReadonlyArray<number>): Metrics {
  assertScoredLabels(p, y);
  return metricsUnchecked(p, y);
}

/** computeMetrics without validation, for callers (bootstrap, cross-validation) that validated once. */
export function metricsUnchecked(p: ReadonlyArray<number>, y: ReadonlyArray<number>): Metrics {
  return {
    n: p.length,
    ece: eceUnchecked(p, y, DEFAULT_BINS),
    adaptive_ece: adaptiveUnchecked(p, y, DEFAULT_BINS),
    top_label_ece: topLabelUnchecked(p, y, DEFAULT_BINS),
    brier: brierUnchecked(p, y),
    log_loss: logLossUnchecked(p, y),
    auroc: aurocUnchecked(p, y),
    accuracy: accuracyUnchecked(p, y, 0.5),
  };
}
