import { inverseRegularizedIncompleteBeta } from "./special";
import { CalibrationInputError } from "./errors";
import { assertOpenUnit } from "./validate";

/**
 * Exact one-sided upper confidence bound on a binomial proportion (Clopper & Pearson 1934): the
 * largest rate r with P(Binomial(n, r) ≤ errors) ≥ δ, i.e. the (1−δ)-quantile of
 * Beta(errors + 1, n − errors). With probability ≥ 1 − δ the true rate lies below it. With no
 * errors it equals 1 − δ^(1/n); with errors = n it is 1.
 */
export function clopperPearsonUpper(errors: number, n: number, delta: number): number {
  if (!Number.isInteger(n) || n < 1) throw new CalibrationInputError("n", "must be a positive integer");
  if (!Number.isInteger(errors) || errors < 0 || errors > n) throw new CalibrationInputError("errors", `must be an integer in [0, ${n}]`);
  assertOpenUnit(delta, "delta");
  if (errors === n) return 1;
  return inverseRegularizedIncompleteBeta(1 - delta, errors + 1, n - errors);
}
