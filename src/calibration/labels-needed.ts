import { CalibrationInputError } from "./errors";
import { mulberry32, randomInt } from "./random";
import { fitDecisionRule, type JudgeLabels, type ProfileKind, type RuleOptions } from "./rule";
import type { Label } from "./validate";

/** The most labels a profile takes per judge (the API's limit): sizes beyond it are not tried. */
const MOST_LABELS = 10_000;
/** Resamples per size: the pass rate at a size is then known to about ±3.5 points. */
const LABELS_RESAMPLES = 200;
/** Each size tried is this much larger than the last. */
const STEP = 1.25;

interface PassRate {
  labels: number;
  /** Share of the resamples of this many labels on which certification passed. */
  certified: number;
}

export interface LabelsNeeded {
  /** The labels given, and how often certification passes on resamples of that many. */
  now: PassRate;
  /** The fewest labels tried at which certification passed in at least half of the resamples; null when no size up to MOST_LABELS did. */
  as_likely_as_not: number | null;
  /** …in at least nine resamples in ten. */
  near_certain: number | null;
  /** Every size tried, from the labels given up, in steps of a quarter. */
  tried: PassRate[];
  resamples: number;
}

/**
 * About how many labels certification needs, found by running the service's own rule
 * (fitDecisionRule: the map fitted on its share, one threshold certified for the whole cascade)
 * on resamples of the labelled signals at increasing sizes, and counting how often a threshold is
 * certified. The labels stand in for the population they were drawn from, so the sizes are
 * estimates, uncertain when the labels are few. A method that cannot be fitted on a resample counts
 * as a failure. Seeded: the same labels give the same answer.
 */
export function labelsNeeded(
  kind: ProfileKind,
  judges: ReadonlyArray<JudgeLabels>,
  options: RuleOptions,
  settings: { resamples?: number; most?: number; seed?: number } = {},
): LabelsNeeded {
  const n = judges[0]!.y.length;
  const resamples = settings.resamples ?? LABELS_RESAMPLES;
  const most = settings.most ?? MOST_LABELS;
  const rng = mulberry32(settings.seed ?? 1);
  const passRate = (labels: number): PassRate => {
    let passed = 0;
    for (let r = 0; r < resamples; r++) {
      const picks = Array.from({ length: labels }, () => randomInt(rng, n));
      const sample = judges.map((j) => ({ p: picks.map((i) => j.p[i] as number), y: picks.map((i) => j.y[i] as Label) }));
      if (certifies(kind, sample, options)) passed++;
    }
    return { labels, certified: passed / resamples };
  };
  const tried: PassRate[] = [];
  let asLikely: number | null = null;
  let nearCertain: number | null = null;
  for (const labels of sizesFrom(n, most)) {
    const rate = passRate(labels);
    tried.push(rate);
    if (asLikely === null && rate.certified >= 0.5) asLikely = labels;
    if (rate.certified >= 0.9) {
      nearCertain = labels;
      break;
    }
  }
  return { now: tried[0] ?? { labels: n, certified: 0 }, as_likely_as_not: asLikely, near_certain: nearCertain, tried, resamples };
}

/** n, then a quarter more each time, up to `most` (n alone when it is already that many). */
function sizesFrom(n: number, most: number): number[] {
  const sizes = n > 0 ? [n] : [];
  while (sizes.length > 0 && sizes.at(-1)! < most) sizes.push(Math.min(most, Math.ceil(sizes.at(-1)! * STEP)));
  return sizes;
}

function certifies(kind: ProfileKind, judges: JudgeLabels[], options: RuleOptions): boolean {
  try {
    return fitDecisionRule(kind, judges, options).cascade.certificate !== null;
  } catch (error) {
    // Too few labels (or of one class) for the requested method: the service would refuse them.
    if (error instanceof CalibrationInputError) return false;
    throw error;
  }
}
