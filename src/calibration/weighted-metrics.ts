import { clipProbability } from "./numeric";
import { DEFAULT_BINS, type Metrics } from "./metrics";

/**
 * Items sorted by p once, so that every bootstrap resample can be scored as a vector of
 * multiplicities in one linear pass: no copying and, above all, no sorting per resample (the
 * adaptive ECE and AUROC would otherwise sort n items a thousand times).
 */
export interface SortedSample {
  p: Float64Array;
  y: Uint8Array;
  /** Position in the sorted arrays of each original item. */
  rank: Uint32Array;
  /**
   * The sample's own equal-mass bin of each sorted item, a run of ties wholly in the bin of its
   * first item, so that resamples are compared with the sample bin by bin (see CalibrationSums).
   */
  adaptiveBin: Uint8Array;
}

export function sortSample(p: ReadonlyArray<number>, y: ReadonlyArray<number>): SortedSample {
  const n = p.length;
  const order = p.map((_, i) => i).sort((i, j) => (p[i] as number) - (p[j] as number) || i - j);
  const rank = new Uint32Array(n);
  order.forEach((i, k) => {
    rank[i] = k;
  });
  const sorted = Float64Array.from(order, (i) => p[i] as number);
  const adaptiveBin = new Uint8Array(n);
  for (let k = 0, bin = 0, end = binSize(n, 0); k < n; k++) {
    while (k >= end && bin < DEFAULT_BINS - 1) end += binSize(n, ++bin);
    adaptiveBin[k] = k > 0 && sorted[k] === sorted[k - 1] ? (adaptiveBin[k - 1] as number) : bin;
  }
  return { p: sorted, y: Uint8Array.from(order, (i) => y[i] as number), rank, adaptiveBin };
}

/** Items in equal-mass bin b of n items (sizes differ by at most one). */
function binSize(n: number, b: number): number {
  return Math.floor(n / DEFAULT_BINS) + (b < n % DEFAULT_BINS ? 1 : 0);
}

/**
 * Σ (p − y) per bin, signed and unnormalised, for ECE (equal-width bins of p), adaptive ECE (the
 * sample's equal-mass bins) and top-label ECE (equal-width bins of the pick's confidence, against
 * agreement). A calibration error is Σ_b |S_b| / n; the bootstrap compares S*_b with S_b.
 */
export interface CalibrationSums {
  ece: Float64Array;
  adaptive: Float64Array;
  top: Float64Array;
}

/**
 * The metrics of computeMetrics for the multiset holding sorted item k `w[k]` times (Σ w = n):
 * equal to computeMetrics on that multiset. `sums` receives its signed per-bin sums.
 */
export function weightedMetrics(s: SortedSample, w: Uint32Array, n: number, sums?: CalibrationSums): Metrics {
  const bins = DEFAULT_BINS;
  const count = new Float64Array(bins);
  const diff = sums?.ece.fill(0) ?? new Float64Array(bins);
  const topCount = new Float64Array(bins);
  const topDiff = sums?.top.fill(0) ?? new Float64Array(bins);
  sums?.adaptive.fill(0);
  let brier = 0;
  let logLoss = 0;
  let hits = 0;
  let nPos = 0;
  // Adaptive (equal-mass) bins, filled in sorted order.
  let bin = 0;
  let room = binSize(n, 0);
  let adaptiveDiff = 0;
  let adaptive = 0;
  // AUROC by mid-ranks over groups of equal p.
  let rankSumPos = 0;
  let placed = 0;
  for (let k = 0; k < s.p.length; ) {
    let end = k;
    let groupW = 0;
    let groupPos = 0;
    while (end < s.p.length && s.p[end] === s.p[k]) {
      groupW += w[end] as number;
      groupPos += (w[end] as number) * (s.y[end] as number);
      end++;
    }
    rankSumPos += groupPos * (placed + (groupW + 1) / 2);
    placed += groupW;
    // Ties carry their run's mean label into the adaptive bins (see adaptiveCalibrationError).
    const tiedMean = groupW > 0 ? groupPos / groupW : 0;
    for (; k < end; k++) {
      let m = w[k] as number;
      if (m === 0) continue;
      const p = s.p[k] as number;
      const y = s.y[k] as number;
      const b = Math.min(bins - 1, Math.floor(p * bins));
      count[b] = (count[b] as number) + m;
      diff[b] = (diff[b] as number) + m * (p - y);
      brier += m * (p - y) ** 2;
      const q = clipProbability(p);
      logLoss -= m * (y === 1 ? Math.log(q) : Math.log(1 - q));
      const right = (p >= 0.5 ? 1 : 0) === y ? 1 : 0;
      hits += m * right;
      const confidence = Math.max(p, 1 - p);
      const t = Math.min(bins - 1, Math.floor(confidence * bins));
      topCount[t] = (topCount[t] as number) + m;
      topDiff[t] = (topDiff[t] as number) + m * (confidence - right);
      nPos += m * y;
      if (sums) {
        const a = s.adaptiveBin[k] as number;
        sums.adaptive[a] = (sums.adaptive[a] as number) + m * (p - y);
      }
      while (m > 0) {
        const take = Math.min(m, room);
        adaptiveDiff += take * (p - tiedMean);
        m -= take;
        room -= take;
        if (room === 0) {
          adaptive += Math.abs(adaptiveDiff);
          adaptiveDiff = 0;
          bin++;
          room = bin < bins ? binSize(n, bin) : Number.POSITIVE_INFINITY;
        }
      }
    }
  }
  adaptive += Math.abs(adaptiveDiff);
  let ece = 0;
  let topLabel = 0;
  for (let b = 0; b < bins; b++) {
    if ((count[b] as number) > 0) ece += Math.abs(diff[b] as number);
    if ((topCount[b] as number) > 0) topLabel += Math.abs(topDiff[b] as number);
  }
  const nNeg = n - nPos;
  return {
    n,
    ece: n ? ece / n : 0,
    adaptive_ece: n ? adaptive / n : 0,
    top_label_ece: n ? topLabel / n : 0,
    brier: n ? brier / n : 0,
    log_loss: n ? logLoss / n : 0,
    auroc: nPos === 0 || nNeg === 0 ? null : (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg),
    accuracy: n ? hits / n : 0,
  };
}
