/**
 * Probabilities are clipped to [ε, 1−ε] before any logit or log, so that judges reporting exact
 * 0 or 1 (common with token probabilities) still give finite features and losses.
 */
export const PROBABILITY_EPSILON = 1e-6;

/** p clipped to [PROBABILITY_EPSILON, 1 − PROBABILITY_EPSILON]. */
export function clipProbability(p: number): number {
  return Math.min(1 - PROBABILITY_EPSILON, Math.max(PROBABILITY_EPSILON, p));
}

/** ln(p / (1 − p)) of the clipped probability. */
export function logit(p: number): number {
  const q = clipProbability(p);
  return Math.log(q / (1 - q));
}

/** Logistic function, written so neither branch overflows. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** ln(1 + e^z) without overflow for large z. */
export function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

/** Linear-interpolation quantile of an ascending array (the "type 7" definition). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (h - lo) * (b - a);
}
