import { fitLogistic } from "./logistic";
import { clipProbability, logit, sigmoid } from "./numeric";

export interface TemperatureParams {
  temperature: number;
}
export interface PlattParams {
  a: number;
  b: number;
}
export interface BetaParams {
  a: number;
  b: number;
  c: number;
}

/** Temperatures are confined to this range; see fitTemperature. */
const TEMPERATURE_RANGE: Readonly<{ min: number; max: number }> = { min: 0.01, max: 1000 };

/**
 * Temperature scaling (Guo et al. 2017): σ(logit(p)/T), T minimising log loss. Fitted as a
 * logistic regression without intercept on logit(p), whose slope is 1/T; that problem is convex in
 * 1/T, so clamping the optimum to the allowed range gives the constrained optimum. The lower
 * clamp matters when the judge is no better than chance (slope ≤ 0): a temperature cannot flip
 * the judge, so the best it can do is shrink everything towards ½.
 */
export function fitTemperature(p: ReadonlyArray<number>, y: ReadonlyArray<number>): TemperatureParams {
  const fit = fitLogistic(
    p.map((v) => [logit(v)]),
    y,
  );
  const slope = fit.coef[0] as number;
  const inverse = Math.min(1 / TEMPERATURE_RANGE.min, Math.max(1 / TEMPERATURE_RANGE.max, slope));
  return { temperature: 1 / inverse };
}

/** σ(logit(p) / T). */
export function applyTemperature(params: TemperatureParams, p: number): number {
  return sigmoid(logit(p) / params.temperature);
}

/**
 * Platt scaling (Platt 1999): σ(a·logit(p) + b). Targets are Platt's smoothed labels
 * (n₊+1)/(n₊+2) and 1/(n₋+2), which act as a prior that stops a small calibration set from
 * driving the map to 0 or 1.
 */
export function fitPlatt(p: ReadonlyArray<number>, y: ReadonlyArray<number>): PlattParams {
  const nPos = y.reduce((s, v) => s + v, 0);
  const nNeg = y.length - nPos;
  const hi = (nPos + 1) / (nPos + 2);
  const lo = 1 / (nNeg + 2);
  const fit = fitLogistic(
    p.map((v) => [logit(v), 1]),
    y.map((v) => (v === 1 ? hi : lo)),
    { unpenalized: [1] },
  );
  return { a: fit.coef[0] as number, b: fit.coef[1] as number };
}

/** σ(a·logit(p) + b). */
export function applyPlatt(params: PlattParams, p: number): number {
  return sigmoid(params.a * logit(p) + params.b);
}

/**
 * Beta calibration (Kull, Silva Filho & Flach 2017): σ(a·ln p − b·ln(1−p) + c), a logistic
 * regression on [ln p, −ln(1−p)]. The family is monotone only when a, b ≥ 0; as in the paper, a
 * feature whose coefficient comes out negative is dropped (its coefficient fixed at 0) and the
 * rest refitted.
 */
export function fitBeta(p: ReadonlyArray<number>, y: ReadonlyArray<number>): BetaParams {
  const features = p.map((v) => {
    const q = clipProbability(v);
    return [Math.log(q), -Math.log(1 - q)];
  });
  let active = [0, 1];
  for (;;) {
    const rows = features.map((f) => [...active.map((j) => f[j] as number), 1]);
    const fit = fitLogistic(rows, y, { unpenalized: [active.length] });
    const slopes = active.map((j, k) => ({ j, value: fit.coef[k] as number }));
    const worst = slopes.reduce<{ j: number; value: number } | null>((acc, s) => (s.value < 0 && (acc === null || s.value < acc.value) ? s : acc), null);
    if (worst === null) {
      const coefOf = (j: number): number => slopes.find((s) => s.j === j)?.value ?? 0;
      return { a: coefOf(0), b: coefOf(1), c: fit.coef[active.length] as number };
    }
    active = active.filter((j) => j !== worst.j);
  }
}

/** σ(a·ln p − b·ln(1−p) + c), p clipped first. */
export function applyBeta(params: BetaParams, p: number): number {
  const q = clipProbability(p);
  return sigmoid(params.a * Math.log(q) - params.b * Math.log(1 - q) + params.c);
}
