// The agreement figures the API does not compute: Cohen's κ with a bootstrap interval and the
// confusion matrix. Everything else in the report is read from the calibration profile the server
// returns, or (how many labels certification needs) computed by the calibration library.

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
