// The agreement figures the API does not compute: Cohen's κ with a bootstrap interval, the
// confusion matrix, and how many labels certification would need. Everything else in the report
// is read from the calibration profile the server returns.

export interface Interval {
  estimate: number;
  lo: number;
  hi: number;
}

/** Judge against label, the label's positive class first (pass / "a"). */
export interface Confusion {
  /** label positive, judge positive */
  tp: number;
  /** label positive, judge negative */
  fn: number;
  /** label negative, judge positive */
  fp: number;
  /** label negative, judge negative */
  tn: number;
}

/** One judgement against its label, both as "positive?". */
export type Pair = readonly [label: boolean, judged: boolean];

export function confusionOf(pairs: Iterable<Pair>): Confusion {
  const c = { tp: 0, fn: 0, fp: 0, tn: 0 };
  for (const [label, judged] of pairs) {
    if (label) judged ? c.tp++ : c.fn++;
    else judged ? c.fp++ : c.tn++;
  }
  return c;
}

const total = (c: Confusion) => c.tp + c.fn + c.fp + c.tn;

/**
 * Cohen's κ = (p_o − p_e) / (1 − p_e): agreement beyond what the two marginals give by chance.
 * Undefined (null) when chance agreement is certain, i.e. both sides always say the same class.
 */
export function kappaOf(c: Confusion): number | null {
  const n = total(c);
  if (n === 0) return null;
  const po = (c.tp + c.tn) / n;
  const pe = ((c.tp + c.fn) * (c.tp + c.fp) + (c.fp + c.tn) * (c.fn + c.tn)) / (n * n);
  return pe >= 1 ? null : (po - pe) / (1 - pe);
}

/** A small seeded generator (mulberry32): the same file gives the same intervals. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const RESAMPLES = 1000;
const LEVEL = 0.95;

/**
 * κ with a 95% percentile bootstrap interval (1,000 resamples, seeded), resampling whole groups:
 * one pair per labelled line, or all the item answers of one line together, since the items of
 * one response are not independent of each other.
 */
export function kappaInterval(groups: ReadonlyArray<ReadonlyArray<Pair>>): Interval | null {
  const estimate = kappaOf(confusionOf(groups.flat()));
  if (estimate === null) return null;
  const next = random(0x7ac4b0);
  const draws: number[] = [];
  for (let r = 0; r < RESAMPLES; r++) {
    const c = { tp: 0, fn: 0, fp: 0, tn: 0 };
    for (let i = 0; i < groups.length; i++) {
      for (const [label, judged] of groups[Math.floor(next() * groups.length)]!) {
        if (label) judged ? c.tp++ : c.fn++;
        else judged ? c.fp++ : c.tn++;
      }
    }
    const k = kappaOf(c);
    if (k !== null) draws.push(k);
  }
  if (draws.length === 0) return { estimate, lo: estimate, hi: estimate };
  draws.sort((a, b) => a - b);
  const at = (q: number) => draws[Math.min(draws.length - 1, Math.max(0, Math.round(q * (draws.length - 1))))]!;
  return { estimate, lo: at((1 - LEVEL) / 2), hi: at(1 - (1 - LEVEL) / 2) };
}

/** P(Binomial(n, p) ≤ k), the terms built one from the last in log space (no overflow at large n). */
function binomialCdf(k: number, n: number, p: number): number {
  if (p <= 0) return 1;
  if (p >= 1) return k >= n ? 1 : 0;
  const odds = Math.log(p) - Math.log1p(-p);
  let term = n * Math.log1p(-p); // ln P(X = 0)
  let sum = Math.exp(term);
  for (let i = 0; i < k; i++) {
    term += Math.log((n - i) / (i + 1)) + odds;
    sum += Math.exp(term);
  }
  return Math.min(1, sum);
}

/** The exact (Clopper–Pearson) upper bound at level 1 − δ on an error rate seen as `errors` of `n`. */
function upperBound(errors: number, n: number, delta: number): number {
  if (errors >= n) return 1;
  let lo = errors / n;
  let hi = 1;
  for (let i = 0; i < 45; i++) {
    const mid = (lo + hi) / 2;
    if (binomialCdf(errors, n, mid) > delta) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** What the server certifies on: at least this many accepted items per threshold. */
export const MIN_ACCEPTED = 30;

export interface ReliabilityBin {
  lo: number;
  hi: number;
  count: number;
  mean_confidence: number | null;
  accuracy: number | null;
}

export interface LabelsNeeded {
  /** Labels at which certification becomes about as likely as not, at the error rates seen now (near certain at twice as many). */
  labels: number;
  /** The share of items the judge would then answer (its most confident ones)… */
  coverage: number;
  /** …and its error rate on them now. */
  error_rate: number;
}

/**
 * About how many labels certification needs, estimated from the reliability bins (the
 * held-out calibrated probability of the positive class against the observed frequency): the
 * bins are ranked by the confidence of the judge's pick, max(q, 1 − q); for each band of most
 * confident bins whose error rate is below α, the number of items that band needs for its
 * Clopper–Pearson bound to fall to α (at least 30) is scaled up by the share of items it holds.
 * The smallest such count is returned; null when every band errs at α or more, where more
 * labels cannot help. It sets the observed error rate at its expected count, so at that many
 * labels certification passes about as often as not, and nearly always at twice as many
 * (test/cli/stats.test.ts measures this against the certification itself).
 */
export function labelsNeeded(bins: ReadonlyArray<ReliabilityBin>, n: number, alpha: number, delta: number): LabelsNeeded | null {
  const bands = bins
    .filter((b) => b.count > 0 && b.mean_confidence !== null && b.accuracy !== null)
    .map((b) => {
      const q = b.mean_confidence!;
      const positives = Math.round(b.count * b.accuracy!);
      return { confidence: Math.max(q, 1 - q), count: b.count, errors: q >= 0.5 ? b.count - positives : positives };
    })
    .sort((x, y) => y.confidence - x.confidence);
  let best: LabelsNeeded | null = null;
  let count = 0;
  let errors = 0;
  for (const band of bands) {
    count += band.count;
    errors += band.errors;
    const rate = errors / count;
    if (rate >= alpha) continue;
    const items = itemsToCertify(rate, alpha, delta);
    if (!Number.isFinite(items)) continue;
    const labels = Math.ceil((items * n) / count);
    if (!best || labels < best.labels) best = { labels, coverage: count / n, error_rate: rate };
  }
  return best;
}

const MOST_ITEMS = 1 << 20;

/** The fewest items (≥ 30) at error rate `rate` whose upper bound at level 1 − δ is ≤ α; Infinity past a million. */
function itemsToCertify(rate: number, alpha: number, delta: number): number {
  const passes = (m: number) => upperBound(Math.round(rate * m), m, delta) <= alpha;
  let hi = MIN_ACCEPTED;
  while (!passes(hi)) {
    hi *= 2;
    if (hi > MOST_ITEMS) return Number.POSITIVE_INFINITY;
  }
  let lo = Math.max(MIN_ACCEPTED, Math.floor(hi / 2));
  if (passes(lo)) return lo;
  // Rounding makes the test only nearly monotone in m; the bisection finds a passing count close to the least.
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (passes(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}
