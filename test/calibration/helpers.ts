import { mulberry32, sigmoid, type Rng } from "../../src/calibration/index";

/** Standard normal draw (Box–Muller), for synthetic scores. */
export function normal(rng: Rng): number {
  const u = Math.max(rng(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/**
 * Synthetic judge: raw probability p = σ(z) with z ~ N(0, spread²), true probability of the
 * positive outcome trueProb(p); labels drawn from it with a fixed seed.
 */
export function syntheticJudge(n: number, seed: number, trueProb: (p: number) => number, spread = 2.5): { p: number[]; y: number[] } {
  const rng = mulberry32(seed);
  const p: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const q = sigmoid(spread * normal(rng));
    p.push(q);
    y.push(rng() < trueProb(q) ? 1 : 0);
  }
  return { p, y };
}
