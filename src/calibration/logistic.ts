import { sigmoid, softplus } from "./numeric";

export interface LogisticFit {
  coef: number[];
  converged: boolean;
  iterations: number;
}

export interface LogisticOptions {
  /**
   * L2 penalty on the penalised coefficients. Kept tiny: it changes nothing on ordinary data but
   * keeps the optimum finite when the classes are separable, which small calibration sets often are.
   */
  ridge?: number;
  /** Column indices exempt from the penalty (the intercept). */
  unpenalized?: ReadonlyArray<number>;
  maxIterations?: number;
}

/** Penalty weight in log-likelihood units: negligible next to the ≥ 20 examples a fit requires. */
const DEFAULT_RIDGE = 1e-4;

/**
 * Maximum-likelihood logistic regression with soft targets t ∈ [0, 1], by Newton–Raphson (IRLS)
 * with step halving. Meant for the 1–3 features of a calibration map, so the Hessian is solved
 * directly. Rows are feature vectors; add a constant column for an intercept.
 */
export function fitLogistic(rows: ReadonlyArray<ReadonlyArray<number>>, targets: ReadonlyArray<number>, options: LogisticOptions = {}): LogisticFit {
  const d = rows[0]?.length ?? 0;
  const ridge = options.ridge ?? DEFAULT_RIDGE;
  const free = new Set(options.unpenalized ?? []);
  const penalty = Array.from({ length: d }, (_, j) => (free.has(j) ? 0 : ridge));
  const maxIterations = options.maxIterations ?? 100;

  const objective = (w: ReadonlyArray<number>): number => {
    let f = 0;
    rows.forEach((x, i) => {
      const z = dot(x, w);
      f += softplus(z) - (targets[i] as number) * z;
    });
    for (let j = 0; j < d; j++) f += 0.5 * (penalty[j] as number) * (w[j] as number) ** 2;
    return f;
  };

  let w = new Array<number>(d).fill(0);
  let f = objective(w);
  for (let iter = 1; iter <= maxIterations; iter++) {
    const grad = w.map((wj, j) => (penalty[j] as number) * wj);
    const hess = Array.from({ length: d }, (_, j) => Array.from({ length: d }, (_, k) => (j === k ? (penalty[j] as number) : 0)));
    rows.forEach((x, i) => {
      const mu = sigmoid(dot(x, w));
      const r = mu - (targets[i] as number);
      const s = mu * (1 - mu);
      for (let j = 0; j < d; j++) {
        const xj = x[j] as number;
        grad[j] = (grad[j] as number) + r * xj;
        const hj = hess[j] as number[];
        for (let k = 0; k < d; k++) hj[k] = (hj[k] as number) + s * xj * (x[k] as number);
      }
    });
    const step = solve(hess, grad);
    // Step halving guarantees descent where a full Newton step overshoots (far from the optimum
    // the logistic loss is nearly linear and the Hessian tiny).
    let scale = 1;
    let next = w;
    let fNext = f;
    for (let h = 0; h < 60; h++) {
      next = w.map((wj, j) => wj - scale * (step[j] as number));
      fNext = objective(next);
      if (fNext <= f) break;
      scale /= 2;
    }
    // No descent even for a vanishing step: w is optimal to working precision.
    if (fNext > f) return { coef: w, converged: true, iterations: iter };
    const moved = Math.max(...step.map((s) => Math.abs(scale * s)));
    const improved = f - fNext;
    w = next;
    f = fNext;
    if (moved < 1e-10 || improved < 1e-13 * Math.max(1, Math.abs(f))) {
      return { coef: w, converged: true, iterations: iter };
    }
  }
  return { coef: w, converged: false, iterations: maxIterations };
}

function dot(x: ReadonlyArray<number>, w: ReadonlyArray<number>): number {
  let s = 0;
  for (let j = 0; j < x.length; j++) s += (x[j] as number) * (w[j] as number);
  return s;
}

/** Gaussian elimination with partial pivoting; a near-singular pivot gets a small jitter. */
function solve(matrix: ReadonlyArray<ReadonlyArray<number>>, rhs: ReadonlyArray<number>): number[] {
  const n = rhs.length;
  const a = matrix.map((row, i) => [...row, rhs[i] as number]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[pivot]![c]!)) pivot = r;
    [a[c], a[pivot]] = [a[pivot]!, a[c]!];
    const row = a[c]!;
    if (Math.abs(row[c]!) < 1e-12) row[c] = 1e-12;
    for (let r = c + 1; r < n; r++) {
      const other = a[r]!;
      const factor = other[c]! / row[c]!;
      for (let k = c; k <= n; k++) other[k] = other[k]! - factor * row[k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    const row = a[r]!;
    let s = row[n]!;
    for (let k = r + 1; k < n; k++) s -= row[k]! * x[k]!;
    x[r] = s / row[r]!;
  }
  return x;
}
