import { clipProbability } from './numeric.js';
import { DEFAULT_BINS, type Metrics } from './metrics.js';

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
}

export function sortSample(p: ReadonlyArray<number>, y: ReadonlyArray<number>): SortedSample {
  const order = p.map((_, i) => i).sort((i, j) => (p[i] as number) - (p[j] as number) || i - j);
  const rank = new Uint32Array(p.length);
  order.forEach((i, k) => (rank[i] = k));
  return { p: Float64Array.from(order, (i) => p[i] as number), y: Uint8Array.from(order, (i) => y[i] as number), rank };
}

/**
 * The metrics of computeMetrics for the multiset holding sorted item k `w[k]` times (Σ w = n).
 * Equal to computeMetrics on that multiset, except that among items with equal p the adaptive
 * bins' boundaries follow sorted order rather than resample order.
 */
export function weightedMetrics(s: SortedSample, w: Uint32Array, n: number): Metrics {
  const bins = DEFAULT_BINS;
  const count = new Float64Array(bins);
  const sumP = new Float64Array(bins);
  const sumY = new Float64Array(bins);
  let brier = 0;
  let logLoss = 0;
  let hits = 0;
  let nPos = 0;
  // Adaptive (equal-mass) bins, filled in sorted order.
  let bin = 0;
  let room = Math.floor(n / bins) + (0 < n % bins ? 1 : 0);
  let ap = 0;
  let ay = 0;
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
    for (; k < end; k++) {
      let m = w[k] as number;
      if (m === 0) continue;
      const p = s.p[k] as number;
      const y = s.y[k] as number;
      const b = Math.min(bins - 1, Math.floor(p * bins));
      count[b] = (count[b] as number) + m;
      sumP[b] = (sumP[b] as number) + m * p;
      sumY[b] = (sumY[b] as number) + m * y;
      brier += m * (p - y) ** 2;
      const q = clipProbability(p);
      logLoss -= m * (y === 1 ? Math.log(q) : Math.log(1 - q));
      if ((p >= 0.5 ? 1 : 0) === y) hits += m;
      nPos += m * y;
      while (m > 0) {
        const take = Math.min(m, room);
        ap += take * p;
        ay += take * y;
        m -= take;
        room -= take;
        if (room === 0) {
          adaptive += Math.abs(ap - ay);
          ap = 0;
          ay = 0;
          bin++;
          room = bin < bins ? Math.floor(n / bins) + (bin < n % bins ? 1 : 0) : Number.POSITIVE_INFINITY;
        }
      }
    }
  }
  adaptive += Math.abs(ap - ay);
  let ece = 0;
  for (let b = 0; b < bins; b++) if ((count[b] as number) > 0) ece += Math.abs((sumP[b] as number) - (sumY[b] as number));
  const nNeg = n - nPos;
  return {
    n,
    ece: n ? ece / n : 0,
    adaptive_ece: n ? adaptive / n : 0,
    brier: n ? brier / n : 0,
    log_loss: n ? logLoss / n : 0,
    auroc: nPos === 0 || nNeg === 0 ? null : (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg),
    accuracy: n ? hits / n : 0,
  };
}
