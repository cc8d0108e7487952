import { PROBABILITY_EPSILON, clipProbability } from "./numeric";

/** A fitted isotonic map: block centres x (ascending) and their values y (non-decreasing). */
export interface IsotonicParams {
  x: number[];
  y: number[];
}

export interface PavBlock {
  value: number;
  weight: number;
  /** Index of the block's first and last input, inclusive. */
  start: number;
  end: number;
}

/**
 * Pool-adjacent-violators: the weighted least-squares non-decreasing fit to `values` (taken in the
 * given order). Only strict violations are pooled, so equal neighbouring values stay separate.
 */
export function poolAdjacentViolators(values: ReadonlyArray<number>, weights?: ReadonlyArray<number>): PavBlock[] {
  const stack: PavBlock[] = [];
  values.forEach((value, i) => {
    let block: PavBlock = { value, weight: weights?.[i] ?? 1, start: i, end: i };
    for (let top = stack.at(-1); top !== undefined && top.value > block.value; top = stack.at(-1)) {
      stack.pop();
      const weight = top.weight + block.weight;
      block = { value: (top.value * top.weight + block.value * block.weight) / weight, weight, start: top.start, end: block.end };
    }
    stack.push(block);
  });
  return stack;
}

/**
 * Isotonic calibration (Zadrozny & Elkan 2002): PAV on the labels sorted by p. Items with equal p
 * are pooled first, since no monotone map can tell them apart. Each block is represented by its
 * mean p, and values are clipped to [ε, 1−ε] so a block of all-wrong answers does not yield a
 * probability of exactly 0.
 */
export function fitIsotonic(p: ReadonlyArray<number>, y: ReadonlyArray<number>): IsotonicParams {
  const order = p.map((_, i) => i).sort((i, j) => (p[i] as number) - (p[j] as number) || i - j);
  const xs: number[] = [];
  const means: number[] = [];
  const weights: number[] = [];
  for (const i of order) {
    const pi = p[i] as number;
    const yi = y[i] as number;
    const last = xs.length - 1;
    if (last >= 0 && xs[last] === pi) {
      const w = weights[last] as number;
      means[last] = ((means[last] as number) * w + yi) / (w + 1);
      weights[last] = w + 1;
    } else {
      xs.push(pi);
      means.push(yi);
      weights.push(1);
    }
  }
  const blocks = poolAdjacentViolators(means, weights);
  return {
    x: blocks.map((b) => {
      let sum = 0;
      for (let k = b.start; k <= b.end; k++) sum += (xs[k] as number) * (weights[k] as number);
      return sum / b.weight;
    }),
    y: blocks.map((b) => clipProbability(b.value)),
  };
}

/**
 * Evaluates the isotonic map: linear interpolation between block centres, flat beyond the first
 * and last centre. Interpolating rather than returning a step gives a continuous map that keeps
 * more of the raw ranking, which later confidence thresholds depend on.
 */
export function applyIsotonic(params: IsotonicParams, p: number): number {
  const { x, y } = params;
  const n = x.length;
  if (n === 0) return clipProbability(p);
  if (p <= (x[0] as number)) return y[0] as number;
  if (p >= (x[n - 1] as number)) return y[n - 1] as number;
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if ((x[mid] as number) <= p) lo = mid;
    else hi = mid;
  }
  const x0 = x[lo] as number;
  const x1 = x[hi] as number;
  const t = (p - x0) / (x1 - x0);
  const v = (y[lo] as number) + t * ((y[hi] as number) - (y[lo] as number));
  return Math.min(1 - PROBABILITY_EPSILON, Math.max(PROBABILITY_EPSILON, v));
}
