// Generated from openapi.yaml by `npm run client:generate`: do not edit by hand.
// `npm run client:check` and the test suite fail when this file differs from what openapi.yaml gives.

/** An evaluation request (as for POST /v1/evaluations) with an optional custom_id. */
export interface BatchItem {
  /** The instruction the response was written for. */
  instruction: string;
  /** Input the instruction refers to (a document, an email, code), if any. */
  context?: string | null;
  /** The response to grade. */
  response: string;
  /** A stored checklist to grade against. */
  checklist_id?: string;
  /** Inline items to grade against. */
  checklist?: {
    items: ChecklistItemInput[];
  };
  /** Upper bound on generated questions (2-12, default 8). */
  max_items?: number;
  /** Weighted score needed to pass (default TICKBOX_PASS_THRESHOLD). */
  pass_threshold?: number;
  /** The judge model: TICKBOX_JUDGE_MODEL (the default) or one of TICKBOX_JUDGE_MODELS; any other is a 422, as is one other than a calibration profile's judge. Each judge's answers are stored apart, so the same items judged by each judge of a cascade can be fitted as one (tickbox calibrate --server --judge a,b). */
  judge?: string;
  /** The caller's name for the item, echoed in its result. */
  custom_id?: string;
}

export interface ChecklistItemInput {
  question: string;
  /** Importance 1-100 (default 50). */
  weight?: number;
  /** Failing it fails the response (default false). */
  must_pass?: boolean;
}

export interface Status {
  status: string;
}

/** RFC 9457 problem details. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: "invalid_json" | "malformed_request" | "unauthorized" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "payload_too_large" | "unsupported_media_type" | "headers_too_large" | "validation_failed" | "limit_exceeded" | "rate_limited" | "budget_exceeded" | "internal" | "misconfigured" | "not_implemented" | "upstream_error" | "upstream_invalid_output" | "upstream_not_configured" | "upstream_unavailable" | "not_ready" | "upstream_timeout";
  errors?: {
    path: string;
    message: string;
  }[];
}

export interface Checklist {
  id: string;
  instruction: string;
  context: string | null;
  items: ChecklistItem[];
  source: "generated" | "provided";
  model: string | null;
  prompt_version: string | null;
  cached: boolean;
  usage: Usage;
}

export interface ChecklistItem {
  id: string;
  question: string;
  weight: number;
  must_pass: boolean;
}

/** What this request cost upstream; zero when served from the cache. */
export interface Usage {
  upstream_calls: number;
  prompt_tokens: number;
  completion_tokens: number;
}

export interface CreateChecklistRequest {
  /** The instruction the response was written for. */
  instruction: string;
  /** Input the instruction refers to (a document, an email, code), if any. */
  context?: string | null;
  /** Upper bound on generated questions (2-12, default 8). */
  max_items?: number;
  /** Your own questions: stored as given, without calling a model. */
  items?: ChecklistItemInput[];
}

/** A checklist as lists show it: its items, and the start of its instruction. */
export interface ChecklistSummary {
  id: string;
  instruction_preview: string;
  items: ChecklistItem[];
  source: "generated" | "provided";
  model: string | null;
  prompt_version: string | null;
  created_at: string;
}

export type CalibratedEvaluation = Evaluation & {
  confidence?: Confidence;
};

export interface ItemResult {
  item_id: string;
  verdict: "YES" | "NO";
  rationale: string;
  /** p(YES) read from the verdict token's logprobs; null without logprobs. */
  p_yes: number | null;
}

export interface Scores {
  /** YES / items. */
  pass_rate: number;
  /** Σ weight·[YES] / Σ weight. */
  weighted: number;
  /** Σ weight·p(YES) / Σ weight; null unless every item has p(YES). */
  soft: number | null;
}

export interface Confidence {
  calibration_id: string;
  kind: "pointwise" | "pairwise";
  p_raw: number;
  /** Null on a signal the profile was not fitted on. */
  p_calibrated: number | null;
  verdict: "pass" | "fail" | "a" | "b";
  /** max(x, 1−x) of the probability the threshold is compared with (see the profile's `scale`). */
  confidence: number;
  abstain: boolean;
  reason: "certified" | "below_threshold" | "no_certified_threshold" | "signal_mismatch";
  threshold: number | null;
  guarantee: Guarantee;
  calibrated: boolean;
  decided_by: {
    stage: number;
    judge: string | null;
  } | null;
  escalate_to: {
    stage: number;
    judge: string | null;
  } | null;
  stages: {
    p_raw: number;
    /** Null on a signal the profile was not fitted on. */
    p_calibrated: number | null;
    verdict: "pass" | "fail" | "a" | "b";
    /** max(x, 1−x) of the probability the threshold is compared with (see the profile's `scale`). */
    confidence: number;
    abstain: boolean;
    reason: "certified" | "below_threshold" | "no_certified_threshold" | "signal_mismatch";
    threshold: number | null;
    guarantee: Guarantee;
    stage: number;
    judge: string | null;
    evaluation_id: string | null;
  }[];
}

export type Guarantee = {
  agreement_at_least: number;
  probability: number;
  alpha: number;
  delta: number;
} | null;

export interface Evaluation {
  id: string;
  checklist: {
    id: string;
    items: ChecklistItem[];
  };
  results: ItemResult[];
  signal: "logprobs" | "none";
  scores: Scores;
  /** Every must-pass item YES and weighted ≥ pass_threshold. */
  passed: boolean;
  pass_threshold: number;
  model: string;
  prompt_version: string;
  cached: boolean;
  usage: Usage;
}

export interface CreateEvaluationRequest {
  /** The instruction the response was written for. */
  instruction: string;
  /** Input the instruction refers to (a document, an email, code), if any. */
  context?: string | null;
  /** The response to grade. */
  response: string;
  /** A stored checklist to grade against. */
  checklist_id?: string;
  /** Inline items to grade against. */
  checklist?: {
    items: ChecklistItemInput[];
  };
  /** Upper bound on generated questions (2-12, default 8). */
  max_items?: number;
  /** Weighted score needed to pass (default TICKBOX_PASS_THRESHOLD). */
  pass_threshold?: number;
  /** The judge model: TICKBOX_JUDGE_MODEL (the default) or one of TICKBOX_JUDGE_MODELS; any other is a 422, as is one other than a calibration profile's judge. Each judge's answers are stored apart, so the same items judged by each judge of a cascade can be fitted as one (tickbox calibrate --server --judge a,b). */
  judge?: string;
  /** A pointwise calibration profile: the response then carries its confidence block, and the profile's judge grades. */
  calibration_id?: string;
}

/** An evaluation with the instruction, context and response it graded. */
export type StoredEvaluation = Evaluation & {
  instruction: string;
  context: string | null;
  response: string;
  created_at: string;
};

/** An evaluation as lists show it; GET /v1/evaluations/{id} gives all of it. */
export interface EvaluationSummary {
  id: string;
  checklist_id: string;
  passed: boolean;
  pass_threshold: number;
  scores: Scores;
  signal: "logprobs" | "none";
  model: string;
  prompt_version: string;
  /** The instruction's first 200 characters. */
  instruction_preview: string;
  /** The response's first 200 characters. */
  response_preview: string;
  created_at: string;
}

export interface Selection {
  /** Index of the winning candidate; null only for a tie with tie_break none. */
  winner: number | null;
  /** Best first: must-pass failures last, then by the weighted verdict score, then (ranked_by weighted_then_soft) by the soft score among verdict ties. */
  ranking: RankedCandidate[];
  /** `weighted_then_soft` when every candidate has p(YES) for every item, so the soft score orders candidates whose verdicts tie; else `weighted`, and verdict ties stay ties. p(YES) never outranks a verdict. */
  ranked_by: "weighted" | "weighted_then_soft";
  checklist_id: string;
  /** Winner's weighted score − runner-up's (≤ 0 across the must-pass line, which outranks any score). */
  margin: number;
  /** The probability that the winner would still rank strictly above the runner-up on verdicts if every verdict of both were redrawn from the judge's own p(YES), independently; null unless both have p(YES) for every item. */
  p_ahead: number | null;
  /** The pick survives the judge's uncertainty: p_ahead ≥ 0.95; without p(YES), the winner strictly ahead on verdicts. */
  decisive: boolean;
  /** Indices sharing first place on the scores. */
  tied: number[];
  tie_break: {
    method: "pairwise" | "first" | "none";
    between: [number, number];
    /** a = between[0], b = between[1]. */
    winner: "a" | "b" | "tie";
    position_bias: boolean;
  } | null;
  usage: Usage;
}

export type RankedCandidate = GradedResponse & {
  /** Position in the request's candidates. */
  index: number;
  /** 1 + candidates ranked strictly above; tied candidates share it. */
  rank: number;
};

export interface GradedResponse {
  scores: Scores;
  /** Every must-pass item is YES. */
  must_pass_met: boolean;
  /** Every must-pass item YES and weighted ≥ the pass threshold. */
  passed: boolean;
  /** The grading, also served by GET /v1/evaluations/{id}. */
  evaluation_id: string;
}

export interface CreateSelectionRequest {
  /** The instruction the response was written for. */
  instruction: string;
  /** Input the instruction refers to (a document, an email, code), if any. */
  context?: string | null;
  /** The responses to choose from (2-64); the winner is an index into this list. */
  candidates: string[];
  /** A stored checklist to grade against. */
  checklist_id?: string;
  /** Inline items to grade against. */
  checklist?: {
    items: ChecklistItemInput[];
  };
  /** Upper bound on generated questions (2-12, default 8). */
  max_items?: number;
  /** How a tie at the top is settled: `first` (default) the earliest tied candidate; `pairwise` one position-swapped direct comparison of the first two tied candidates (two upstream calls); `none` leaves `winner` null. */
  tie_break?: "pairwise" | "first" | "none";
}

export interface Comparison {
  winner: "a" | "b" | "tie";
  /** p(a better), the mean over both orders of the direct judgement; null for `checklist` or without logprobs. */
  p_a: number | null;
  /** The two orders disagreed: the same position won both times, so position decided the first verdict (and the direct result is a tie). */
  position_bias: boolean;
  method: "checklist" | "direct" | "both";
  checklist_id?: string;
  scores?: {
    a: GradedResponse;
    b: GradedResponse;
  };
  checklist_winner?: "a" | "b" | "tie";
  /** The direct judgements: a shown first, then b shown first. */
  orders?: [OrderedVerdict, OrderedVerdict];
  /** With calibration_id: the profile's decision on p(a better) — the map's p_calibrated, the confidence on the profile's scale (raw for pairwise profiles), certified abstention and its guarantee, and every judge of a cascade consulted; null when the first judge gave no logprobs, so there is no p_a to decide on. */
  confidence?: {
    calibration_id: string;
    kind: "pointwise" | "pairwise";
    p_raw: number;
    /** Null on a signal the profile was not fitted on. */
    p_calibrated: number | null;
    verdict: "pass" | "fail" | "a" | "b";
    /** max(x, 1−x) of the probability the threshold is compared with (see the profile's `scale`). */
    confidence: number;
    abstain: boolean;
    reason: "certified" | "below_threshold" | "no_certified_threshold" | "signal_mismatch";
    threshold: number | null;
    guarantee: Guarantee;
    calibrated: boolean;
    decided_by: {
      stage: number;
      judge: string | null;
    } | null;
    escalate_to: {
      stage: number;
      judge: string | null;
    } | null;
    stages: {
      p_raw: number;
      /** Null on a signal the profile was not fitted on. */
      p_calibrated: number | null;
      verdict: "pass" | "fail" | "a" | "b";
      /** max(x, 1−x) of the probability the threshold is compared with (see the profile's `scale`). */
      confidence: number;
      abstain: boolean;
      reason: "certified" | "below_threshold" | "no_certified_threshold" | "signal_mismatch";
      threshold: number | null;
      guarantee: Guarantee;
      stage: number;
      judge: string | null;
      evaluation_id: string | null;
    }[];
  } | null;
  usage: Usage;
}

export interface OrderedVerdict {
  shown_first: "a" | "b";
  preferred: "a" | "b";
  /** p(a better) at the answer token; null without logprobs. */
  p_a: number | null;
  rationale: string;
}

export interface CreateComparisonRequest {
  /** The instruction the response was written for. */
  instruction: string;
  /** Input the instruction refers to (a document, an email, code), if any. */
  context?: string | null;
  /** One response. */
  a: string;
  /** The other response. */
  b: string;
  /** A stored checklist to grade against. */
  checklist_id?: string;
  /** Inline items to grade against. */
  checklist?: {
    items: ChecklistItemInput[];
  };
  /** Upper bound on generated questions (2-12, default 8). */
  max_items?: number;
  /** `checklist` (default): grade both against one checklist and compare as a selection of two would (must-pass line, weighted verdict score, then the soft score among verdict ties). `direct`: ask the judge which is better, once in each order. `both`: the checklist decides, the direct judgement settles a checklist tie. */
  method?: "checklist" | "direct" | "both";
  /** The judge model: TICKBOX_JUDGE_MODEL (the default) or one of TICKBOX_JUDGE_MODELS; any other is a 422, as is one other than a calibration profile's judge. Each judge's answers are stored apart, so the same items judged by each judge of a cascade can be fitted as one (tickbox calibrate --server --judge a,b). */
  judge?: string;
  /** A pairwise calibration profile (needs method direct or both). The comparison is then made by the profile's judge model (the first of a cascade), and the answer carries a confidence block for its p_a; when a cascade's judge abstains, the next one compares the same pair directly, until one answers. */
  calibration_id?: string;
}

export interface Refinement {
  checklist_id: string;
  rounds: RefinementRound[];
  /** The highest-ranked round (must-pass line, then weighted); the original on ties. */
  best: RefinementRound;
  stop_reason: "all_passed" | "no_improvement" | "max_rounds";
  reviser_model: string;
  usage: Usage;
}

export interface RefinementRound {
  /** 0 is the response as given; r the revision written in round r. */
  round: number;
  response: string;
  evaluation_id: string;
  scores: Scores;
  must_pass_met: boolean;
  passed: boolean;
  failed_items: {
    item_id: string;
    question: string;
    rationale: string;
  }[];
}

export interface CreateRefinementRequest {
  /** The instruction the response was written for. */
  instruction: string;
  /** Input the instruction refers to (a document, an email, code), if any. */
  context?: string | null;
  /** The response to refine. */
  response: string;
  /** A stored checklist to grade against. */
  checklist_id?: string;
  /** Inline items to grade against. */
  checklist?: {
    items: ChecklistItemInput[];
  };
  /** Upper bound on generated questions (2-12, default 8). */
  max_items?: number;
  /** Most revisions to write (1-5, default 3). */
  max_rounds?: number;
}

export interface Calibration {
  id: string;
  name: string;
  kind: "pointwise" | "pairwise";
  judge: string | null;
  method: "identity" | "temperature" | "platt" | "beta" | "isotonic";
  calibrated: boolean;
  n: number;
  raw_metrics: CalibrationMetrics;
  /** Of predictions whose labels no map saw: a pointwise map on the certification items, a pairwise map by 5-fold cross-validation. */
  metrics: CalibrationMetrics;
  reliability: ReliabilityBin[];
  threshold: CertifiedThreshold;
  calibrator: {
    method: string;
    params: {
      [key: string]: unknown;
    };
    calibrated: boolean;
    symmetric: boolean;
    n_labels: number;
    [key: string]: unknown;
  };
  target: {
    alpha: number;
    delta: number;
  };
  /** The signal the profile was fitted on; another signal gets `abstain: true, reason: signal_mismatch`. Null for pointwise profiles stored before profiles recorded it. */
  signal: "soft" | "weighted" | "p_a" | null;
  /** What thresholds are compared with (see CertifiedThreshold). */
  scale: "raw" | "calibrated";
  /** Labels the calibration maps were fitted on. */
  fitted_on: number;
  /** Labels the threshold was certified on: for pointwise profiles those no map was fitted on (four fifths, once 248 labels allow a map); for pairwise ones every label. */
  certified_on: number;
  pooled: boolean;
  judges: CalibrationJudge[];
  cascade: boolean;
  /** Share of the certification items decided at the threshold (in a cascade, by any of its judges). */
  coverage: number;
  /** Agreement with the labels on the items decided; null when none is. */
  agreement: number | null;
}

/** Point estimates with bias-corrected values and bootstrap intervals (1,000 resamples). */
export interface CalibrationMetrics {
  n: number;
  resamples: number;
  level: number;
  ece: Interval;
  adaptive_ece: Interval;
  /** ECE of the pick's confidence max(p, 1−p) against agreement. */
  top_label_ece: Interval;
  brier: Interval;
  log_loss: Interval;
  auroc: Interval | null;
  accuracy: Interval;
}

/** For calibration errors, estimate ± the bootstrap quantile of their noise term, which covers the population value (0 for a calibrated judge) with about the stated level; for the other metrics, the percentile bootstrap interval. */
export interface Interval {
  /** The metric on the sample. */
  estimate: number;
  /** Bootstrap bias-corrected: 2·estimate − the mean over resamples. Binned calibration errors are biased upwards on finite data. */
  debiased: number;
  lo: number;
  hi: number;
}

export interface ReliabilityBin {
  lo: number;
  hi: number;
  count: number;
  mean_confidence: number | null;
  accuracy: number | null;
}

/** Null when no threshold passes its test: the judge then always abstains. */
export type CertifiedThreshold = {
  lambda: number;
  /** What lambda is compared with: the confidence max(p, 1−p) of the raw signal (pairwise) or of the calibrated probability (pointwise). */
  scale: "raw" | "calibrated";
  /** Share of the certification items the cascade decides at lambda. */
  coverage: number;
  alpha: number;
  delta: number;
  /** Certification items: labels no calibration map was fitted on (every label for pairwise profiles, whose rule learns nothing from them). */
  n_items: number;
  /** Certification items decided at lambda (in a cascade, by all its judges together). */
  n_accepted: number;
  /** Of those, the items decided against the label (in a cascade, by all its judges together). */
  errors: number;
  /** Clopper–Pearson upper bound (level 1 − delta) on the error rate of accepted items; ≤ alpha. */
  upper_bound: number;
} | null;

export interface CalibrationJudge {
  judge: string | null;
  method: "identity" | "temperature" | "platt" | "beta" | "isotonic";
  calibrated: boolean;
  n: number;
  raw_metrics: CalibrationMetrics;
  metrics: CalibrationMetrics;
  reliability: ReliabilityBin[];
  /** Reliability bins of the raw signal (absent from profiles fitted before it was kept). */
  raw_reliability?: ReliabilityBin[];
  /** Coverage and agreement against λ on the certification items that reach this judge, with confidences on the profile's scale (raw or calibrated), as certification sees them. */
  coverage_curve?: CoveragePoint[];
  /** The cascade's one threshold, the same for every judge; its coverage, n_accepted and errors are the whole cascade's (this judge's part: n_decided, n_errors). */
  threshold: CertifiedThreshold;
  calibrator: {
    method: string;
    params: {
      [key: string]: unknown;
    };
    calibrated: boolean;
    symmetric: boolean;
    n_labels: number;
    [key: string]: unknown;
  };
  /** Certification items that reach this judge (every earlier one abstained at the threshold). */
  n_reaching: number;
  /** Of those, the items this judge decides at the threshold. */
  n_decided: number;
  /** Of those it decides, the items it decides against the label (absent from profiles fitted before it was kept). */
  n_errors?: number;
}

export interface CoveragePoint {
  lambda: number;
  coverage: number;
  n_accepted: number;
  agreement: number | null;
  /** Clopper–Pearson lower bound (level 1 − delta) on the agreement. */
  agreement_lower: number | null;
}

export interface CreateCalibrationRequest {
  name: string;
  kind: "pointwise" | "pairwise";
  /** One judge's labelled examples (not with `judges`). */
  examples?: CalibrationExample[];
  /** The judge model these examples come from; evaluations and comparisons under this profile are made by it. Evaluation examples must have been graded by it; without it, the profile's judge is the model that graded them. */
  judge?: string;
  /** A cascade, cheapest judge first: each judge's examples over the same items, in the same order, with the same labels. Evaluation examples must have been graded by the judge's model. */
  judges?: {
    model: string;
    examples: CalibrationExample[];
  }[];
  method?: "auto" | "temperature" | "platt" | "beta" | "isotonic";
  /** Cascade only: judge k is fitted and certified on the mean raw probability of judges 0..k (they have all answered any item that reaches k). */
  pooled?: boolean;
  target?: CalibrationTarget;
  /** Pointwise only: which score the `p` examples are — `soft` (weighted p(YES), graded with logprobs; the default) or `weighted` (the weighted verdict score, without). Evaluation examples carry their own; all must agree. The profile then answers only for that signal. */
  signal?: "soft" | "weighted";
}

export interface CalibrationExample {
  /** Pointwise: the judge's raw probability that the response is good. */
  p?: number;
  /** Pairwise: the judge's raw probability that response A wins. */
  p_a?: number;
  /** Pointwise: a stored evaluation; its soft score, or its weighted score without logprobs, is the signal. */
  evaluation_id?: string;
  /** The human outcome: 1 good / 0 not (pointwise), or the preferred response "a" / "b" (pairwise). */
  label: 0 | 1 | "a" | "b";
}

export interface CalibrationTarget {
  /** Certified agreement is ≥ 1 − alpha. */
  alpha: number;
  /** The guarantee holds with probability ≥ 1 − delta. */
  delta: number;
}

/** A calibration profile as lists show it; GET /v1/calibrations/{id} gives all of it. */
export interface CalibrationSummary {
  id: string;
  name: string;
  kind: "pointwise" | "pairwise";
  /** The judge model of each stage (one unless a cascade); null when unnamed. */
  judges: (string | null)[];
  method: string;
  calibrated: boolean;
  n: number;
  target: {
    alpha: number;
    delta: number;
  };
  /** The threshold each judge answers at, in order: a cascade's one certified threshold, the same for every judge; null when none is certified. */
  lambdas: (number | null)[];
  coverage: number;
  agreement: number | null;
  created_at: string;
}

export type ConfidenceResponse = Confidence & {
  usage: Usage;
};

export interface CreateConfidenceRequest {
  calibration_id: string;
  p?: number;
  p_a?: number;
  evaluation_id?: string;
  /** The instruction the response was written for. */
  instruction?: string;
  /** Input the instruction refers to (a document, an email, code), if any. */
  context?: string | null;
  response?: string;
  checklist_id?: string;
  checklist?: {
    items: ChecklistItemInput[];
  };
  /** Upper bound on generated questions (2-12, default 8). */
  max_items?: number;
  /** Cascade only: which judge produced p / p_a (default 0). */
  stage?: number;
  /** Cascade only, with p / p_a at a later stage: the raw signals of judges 0..stage−1. The guarantee covers items routed from the first judge, so they decide first if they can. */
  previous?: number[];
}

export interface Batch {
  id: string;
  /** `paused`: the daily token budget of the key that made the batch is spent; it resumes by itself at `resumes_at` (00:00 UTC), or on POST …/retry. `cancelled`: asked to stop, or stopped because the key that made it was revoked (see `status_reason`). */
  status: "running" | "paused" | "cancelled" | "completed";
  /** Why the batch is paused or was cancelled without being asked to; null otherwise. */
  status_reason: string | null;
  /** When a paused batch resumes by itself. */
  resumes_at: string | null;
  total: number;
  concurrency: number;
  counts: {
    pending: number;
    running: number;
    done: number;
    failed: number;
  };
  /** Items per second: since this process (re)started the batch while it runs (on Workers, since the batch was made), over its whole life once completed. */
  throughput: number | null;
  eta_seconds: number | null;
  summary: {
    items_finished: number;
    /** Share of graded items that passed. */
    pass_rate: number | null;
    /** Mean weighted score of the graded items. */
    mean_weighted: number | null;
    cache_hits: number;
    usage: Usage;
  };
  created_at: string;
  finished_at: string | null;
}

/** One line of the results: the evaluation, or the problem that failed the item. */
export interface BatchResult {
  custom_id: string | null;
  index: number;
  evaluation?: {
    id: string;
    checklist: {
      id: string;
      items: ChecklistItem[];
    };
    results: ItemResult[];
    signal: "logprobs" | "none";
    scores: Scores;
    /** Every must-pass item YES and weighted ≥ pass_threshold. */
    passed: boolean;
    pass_threshold: number;
    model: string;
    prompt_version: string;
  };
  problem?: {
    type: string;
    title: string;
    status: number;
    detail: string;
    code: "invalid_json" | "malformed_request" | "unauthorized" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "payload_too_large" | "unsupported_media_type" | "headers_too_large" | "validation_failed" | "limit_exceeded" | "rate_limited" | "budget_exceeded" | "internal" | "misconfigured" | "not_implemented" | "upstream_error" | "upstream_invalid_output" | "upstream_not_configured" | "upstream_unavailable" | "not_ready" | "upstream_timeout";
    errors?: {
      path: string;
      message: string;
    }[];
  };
}

/** One item of a batch as a results table shows it. */
export interface BatchItemRow {
  index: number;
  custom_id: string | null;
  status: "pending" | "running" | "done" | "failed";
  /** Graded and passed or failed; errored (a problem, no grade); or not finished. */
  outcome: "passed" | "failed" | "errored" | "pending";
  scores: {
    pass_rate: number;
    weighted: number;
    soft: number | null;
  } | null;
  /** The grading, also served by GET /v1/evaluations/{id}. */
  evaluation_id: string | null;
  checklist_id: string | null;
  /** The verdicts in checklist order, once graded. */
  verdicts: ("YES" | "NO")[] | null;
  problem: {
    code: string;
    detail: string;
  } | null;
  instruction_preview: string | null;
  response_preview: string | null;
}

export interface BatchReport {
  id: string;
  outcomes: {
    passed: number;
    failed: number;
    errored: number;
    pending: number;
  };
  mean_scores: {
    pass_rate: number | null;
    weighted: number | null;
    /** Over the graded items that have a soft score (graded with logprobs). */
    soft: number | null;
    soft_items: number;
  };
  usage_by_model: {
    model: string;
    upstream_calls: number;
    prompt_tokens: number;
    completion_tokens: number;
    cost_usd: number | null;
  }[];
  /** Estimated from TICKBOX_PRICES at the grading model's price (checklist generation included); null when a model that used tokens has no price. */
  cost_usd: number | null;
  /** The checklist every graded item shares, with YES and NO counts per question; null when the items use different checklists. */
  checklist: {
    id: string;
    graded: number;
    items: {
      id: string;
      question: string;
      weight: number;
      must_pass: boolean;
      yes: number;
      no: number;
    }[];
  } | null;
}

export interface PromptfooWebhookResponse {
  pass: boolean;
  /** The weighted checklist score. */
  score: number;
  reason: string;
  evaluation_id: string;
}

export interface PromptfooWebhookRequest {
  /** The output under test (text, or anything JSON). */
  output?: unknown;
  context: {
    prompt?: unknown;
    vars?: {
      [key: string]: unknown;
    };
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export type CreatedApiKey = ApiKey & {
  /** The secret. Shown this once; only its hash is stored. */
  key: string;
};

export interface ApiKey {
  id: string;
  name: string;
  tenant: string;
  scopes: ("evaluate" | "calibrate" | "admin")[];
  rate_limit_rpm: number | null;
  daily_token_budget: number | null;
  /** Unix seconds. */
  created_at: number;
  /** "operator" (TICKBOX_ADMIN_KEY) or the id of the tenant admin key that made it. "unrecorded": made before this was recorded, on a day the server had an admin key. "open": made before this was recorded, on a day the server was open or nothing shows it had an admin key; not honoured. */
  created_by: string | null;
}

export interface CreateKeyRequest {
  name: string;
  scopes: ("evaluate" | "calibrate" | "admin")[];
  /** Whose objects the key reads and writes; keys with the same tenant share them. A tenant's admin key makes keys for its own tenant only (the default); TICKBOX_ADMIN_KEY for any, by default a new tenant named after the key. */
  tenant?: string;
  /** Requests a minute (a token bucket). A key made by a tenant's admin key also takes each request from that key's rate, and from those of the keys above it; it may ask for no more than the tightest of them (422), and gets it when this is left out. */
  rate_limit_rpm?: number;
  /** Upstream tokens a UTC day. A key made by a tenant's admin key also spends from that key's budget, and from those of the keys above it (each spent by every key made under it); it may ask for no more than the tightest of them (422), and gets it when this is left out. */
  daily_token_budget?: number;
}

export interface DayUsage {
  /** "open" without an admin key; "admin" for TICKBOX_ADMIN_KEY. */
  key_id: string;
  tenant: string;
  day: string;
  requests: number;
  upstream_calls: number;
  prompt_tokens: number;
  completion_tokens: number;
  cache_hits: number;
  /** Upstream tokens the cache saved: what the cached results cost when first computed. */
  tokens_saved: number;
  /** Estimated from TICKBOX_PRICES; null when a model has no price. */
  cost_usd: number | null;
  models: {
    model: string;
    upstream_calls: number;
    prompt_tokens: number;
    completion_tokens: number;
    cost_usd: number | null;
  }[];
}

/**
 * Every operation of the API by `<method> <path>`: its path parameters, query, request body (a
 * string where the operation also takes JSON Lines) and the body of its successful answer.
 */
export interface Operations {
  /** Liveness: the process answers */
  "get /healthz": {
    path: never;
    query: never;
    body: never;
    bodyRequired: false;
    answer: Status;
  };
  /** Readiness: the database answers a query */
  "get /readyz": {
    path: never;
    query: never;
    body: never;
    bodyRequired: false;
    answer: Status;
  };
  /** Prometheus metrics */
  "get /metrics": {
    path: never;
    query: never;
    body: never;
    bodyRequired: false;
    answer: string;
  };
  /** Generate a checklist for an instruction, or store your own */
  "post /v1/checklists": {
    path: never;
    query: never;
    body: CreateChecklistRequest;
    bodyRequired: true;
    answer: Checklist;
  };
  /** List checklists, newest first */
  "get /v1/checklists": {
    path: never;
    query: {
      /** Items per page (1-100, default 20). */
      limit?: number;
      /** `next_cursor` of the previous page; absent for the first (newest) page. */
      cursor?: string;
      /** Only objects created at or after this time (ISO 8601; a date means its 00:00 UTC). */
      created_after?: string | string;
      /** Only objects created before this time (ISO 8601). */
      created_before?: string | string;
      /** Only generated checklists, or only callers' own. */
      source?: "generated" | "provided";
    };
    body: never;
    bodyRequired: false;
    answer: {
      checklists: ChecklistSummary[];
      /** Pass as `cursor` for the next page; null on the last page. */
      next_cursor: string | null;
    };
  };
  /** Get a checklist */
  "get /v1/checklists/{id}": {
    path: {
      id: string;
    };
    query: never;
    body: never;
    bodyRequired: false;
    answer: Checklist;
  };
  /** Grade a response against a checklist, item by item */
  "post /v1/evaluations": {
    path: never;
    query: never;
    body: CreateEvaluationRequest;
    bodyRequired: true;
    answer: CalibratedEvaluation;
  };
  /** List evaluations, newest first */
  "get /v1/evaluations": {
    path: never;
    query: {
      /** Items per page (1-100, default 20). */
      limit?: number;
      /** `next_cursor` of the previous page; absent for the first (newest) page. */
      cursor?: string;
      /** Only objects created at or after this time (ISO 8601; a date means its 00:00 UTC). */
      created_after?: string | string;
      /** Only objects created before this time (ISO 8601). */
      created_before?: string | string;
      /** Only evaluations against this checklist. */
      checklist_id?: string;
      /** Only evaluations graded by this judge model. */
      model?: string;
      /** Only evaluations that passed (true) or did not (false). */
      passed?: "true" | "false";
    };
    body: never;
    bodyRequired: false;
    answer: {
      evaluations: EvaluationSummary[];
      /** Pass as `cursor` for the next page; null on the last page. */
      next_cursor: string | null;
    };
  };
  /** Get an evaluation */
  "get /v1/evaluations/{id}": {
    path: {
      id: string;
    };
    query: never;
    body: never;
    bodyRequired: false;
    answer: StoredEvaluation;
  };
  /** Best-of-N: pick the best of several candidate responses by checklist */
  "post /v1/selections": {
    path: never;
    query: never;
    body: CreateSelectionRequest;
    bodyRequired: true;
    answer: Selection;
  };
  /** Compare two responses, by checklist or directly with the order swapped */
  "post /v1/comparisons": {
    path: never;
    query: never;
    body: CreateComparisonRequest;
    bodyRequired: true;
    answer: Comparison;
  };
  /** Refine a response from its failed checklist items (STICK) */
  "post /v1/refinements": {
    path: never;
    query: never;
    body: CreateRefinementRequest;
    bodyRequired: true;
    answer: Refinement;
  };
  /** Fit a calibration profile from labelled examples */
  "post /v1/calibrations": {
    path: never;
    query: never;
    body: CreateCalibrationRequest;
    bodyRequired: true;
    answer: Calibration;
  };
  /** List calibration profiles, newest first */
  "get /v1/calibrations": {
    path: never;
    query: {
      /** Items per page (1-100, default 20). */
      limit?: number;
      /** `next_cursor` of the previous page; absent for the first (newest) page. */
      cursor?: string;
      /** Only objects created at or after this time (ISO 8601; a date means its 00:00 UTC). */
      created_after?: string | string;
      /** Only objects created before this time (ISO 8601). */
      created_before?: string | string;
      /** Only profiles of this kind. */
      kind?: "pointwise" | "pairwise";
    };
    body: never;
    bodyRequired: false;
    answer: {
      calibrations: CalibrationSummary[];
      /** Pass as `cursor` for the next page; null on the last page. */
      next_cursor: string | null;
    };
  };
  /** Get a calibration profile */
  "get /v1/calibrations/{id}": {
    path: {
      id: string;
    };
    query: never;
    body: never;
    bodyRequired: false;
    answer: Calibration;
  };
  /** Reliability diagram of a profile's held-out calibrated predictions */
  "get /v1/calibrations/{id}/reliability.svg": {
    path: {
      id: string;
    };
    query: {
      /** Cascade only: which judge (default 0). */
      judge?: number;
    };
    body: never;
    bodyRequired: false;
    answer: string;
  };
  /** A profile's decision on a signal, with certified abstention and escalation */
  "post /v1/confidence": {
    path: never;
    query: never;
    body: CreateConfidenceRequest;
    bodyRequired: true;
    answer: ConfidenceResponse;
  };
  /** Grade many responses in the background */
  "post /v1/batches": {
    path: never;
    query: {
      /** Upstream calls this batch keeps in flight at once (default TICKBOX_UPSTREAM_CONCURRENCY); the server-wide upstream limit applies over all batches and requests. */
      concurrency?: number;
    };
    body: BatchItem[] | string | string | string;
    bodyRequired: false;
    answer: Batch;
  };
  /** List batches, newest first */
  "get /v1/batches": {
    path: never;
    query: {
      /** Items per page (1-100, default 20). */
      limit?: number;
      /** `next_cursor` of the previous page; absent for the first (newest) page. */
      cursor?: string;
      /** Only objects created at or after this time (ISO 8601; a date means its 00:00 UTC). */
      created_after?: string | string;
      /** Only objects created before this time (ISO 8601). */
      created_before?: string | string;
      /** Only batches in this state. */
      status?: "running" | "cancelled" | "completed";
    };
    body: never;
    bodyRequired: false;
    answer: {
      batches: Batch[];
      /** Pass as `cursor` for the next page; null on the last page. */
      next_cursor: string | null;
    };
  };
  /** A batch's status, counts, throughput, ETA and running totals */
  "get /v1/batches/{id}": {
    path: {
      id: string;
    };
    query: never;
    body: never;
    bodyRequired: false;
    answer: Batch;
  };
  /** The finished items as JSON Lines or CSV, in input order */
  "get /v1/batches/{id}/results": {
    path: {
      id: string;
    };
    query: {
      /** Only items with a greater index (default -1: from the start). */
      after?: number;
      /** jsonl (default) or csv; `Accept: text/csv` also asks for CSV. */
      format?: "jsonl" | "csv";
    };
    body: never;
    bodyRequired: false;
    answer: BatchResult[];
  };
  /** A batch's items as a table: filtered, searched, sorted, a page at a time */
  "get /v1/batches/{id}/items": {
    path: {
      id: string;
    };
    query: {
      outcome?: "passed" | "failed" | "errored" | "pending";
      /** Text to find in the custom id, instruction or response. */
      q?: string;
      /** A column, descending with a leading `-`. */
      sort?: "index" | "-index" | "custom_id" | "-custom_id" | "weighted" | "-weighted" | "pass_rate" | "-pass_rate" | "soft" | "-soft";
      offset?: number;
      limit?: number;
    };
    body: never;
    bodyRequired: false;
    answer: {
      items: BatchItemRow[];
      matching: number;
      offset: number;
    };
  };
  /** A batch's outcomes, mean scores, cost by model, and which checklist questions fail most */
  "get /v1/batches/{id}/report": {
    path: {
      id: string;
    };
    query: never;
    body: never;
    bodyRequired: false;
    answer: BatchReport;
  };
  /** Progress as server-sent events */
  "get /v1/batches/{id}/events": {
    path: {
      id: string;
    };
    query: never;
    body: never;
    bodyRequired: false;
    answer: string;
  };
  /** Stop a batch: running items finish, pending ones stay pending */
  "post /v1/batches/{id}/cancel": {
    path: {
      id: string;
    };
    query: never;
    body: never;
    bodyRequired: false;
    answer: Batch;
  };
  /** Grade the failed items again */
  "post /v1/batches/{id}/retry": {
    path: {
      id: string;
    };
    query: never;
    body: never;
    bodyRequired: false;
    answer: Batch;
  };
  /** Grade a promptfoo output (its `webhook` assertion) */
  "post /v1/integrations/promptfoo": {
    path: never;
    query: {
      /** Var holding the instruction (default `instruction`). */
      instruction_var?: string;
      /** Var holding the checklist (default `checklist`). */
      checklist_var?: string;
      pass_threshold?: number;
    };
    body: PromptfooWebhookRequest;
    bodyRequired: true;
    answer: PromptfooWebhookResponse;
  };
  /** Create an API key (admin scope: in its own tenant; TICKBOX_ADMIN_KEY: in any) */
  "post /v1/keys": {
    path: never;
    query: never;
    body: CreateKeyRequest;
    bodyRequired: true;
    answer: CreatedApiKey;
  };
  /** List live API keys (admin scope: its tenant's; TICKBOX_ADMIN_KEY: every tenant's); secrets are never shown again */
  "get /v1/keys": {
    path: never;
    query: {
      /** TICKBOX_ADMIN_KEY only: one tenant's keys. */
      tenant?: string;
    };
    body: never;
    bodyRequired: false;
    answer: {
      keys: ApiKey[];
    };
  };
  /** Revoke an API key (admin scope: in its tenant; TICKBOX_ADMIN_KEY: any); it stops working at once, and its batches stop */
  "delete /v1/keys/{id}": {
    path: {
      id: string;
    };
    query: never;
    body: never;
    bodyRequired: false;
    answer: undefined;
  };
  /** Usage per key and UTC day: requests, upstream calls and tokens, cache hits and savings, estimated cost */
  "get /v1/usage": {
    path: never;
    query: {
      /** The first UTC day (YYYY-MM-DD). */
      from?: string;
      /** The last UTC day (YYYY-MM-DD). */
      to?: string;
      key_id?: string;
      /** TICKBOX_ADMIN_KEY only: one tenant's keys. */
      tenant?: string;
    };
    body: never;
    bodyRequired: false;
    answer: {
      usage: DayUsage[];
    };
  };
}

/** How each operation's body is sent and its answer read: the runtime half of Operations. */
export const operations = {
  "get /healthz": { answer: "json", jsonLinesBody: false },
  "get /readyz": { answer: "json", jsonLinesBody: false },
  "get /metrics": { answer: "text", jsonLinesBody: false },
  "post /v1/checklists": { answer: "json", jsonLinesBody: false },
  "get /v1/checklists": { answer: "json", jsonLinesBody: false },
  "get /v1/checklists/{id}": { answer: "json", jsonLinesBody: false },
  "post /v1/evaluations": { answer: "json", jsonLinesBody: false },
  "get /v1/evaluations": { answer: "json", jsonLinesBody: false },
  "get /v1/evaluations/{id}": { answer: "json", jsonLinesBody: false },
  "post /v1/selections": { answer: "json", jsonLinesBody: false },
  "post /v1/comparisons": { answer: "json", jsonLinesBody: false },
  "post /v1/refinements": { answer: "json", jsonLinesBody: false },
  "post /v1/calibrations": { answer: "json", jsonLinesBody: false },
  "get /v1/calibrations": { answer: "json", jsonLinesBody: false },
  "get /v1/calibrations/{id}": { answer: "json", jsonLinesBody: false },
  "get /v1/calibrations/{id}/reliability.svg": { answer: "text", jsonLinesBody: false },
  "post /v1/confidence": { answer: "json", jsonLinesBody: false },
  "post /v1/batches": { answer: "json", jsonLinesBody: true },
  "get /v1/batches": { answer: "json", jsonLinesBody: false },
  "get /v1/batches/{id}": { answer: "json", jsonLinesBody: false },
  "get /v1/batches/{id}/results": { answer: "ndjson", jsonLinesBody: false },
  "get /v1/batches/{id}/items": { answer: "json", jsonLinesBody: false },
  "get /v1/batches/{id}/report": { answer: "json", jsonLinesBody: false },
  "get /v1/batches/{id}/events": { answer: "text", jsonLinesBody: false },
  "post /v1/batches/{id}/cancel": { answer: "json", jsonLinesBody: false },
  "post /v1/batches/{id}/retry": { answer: "json", jsonLinesBody: false },
  "post /v1/integrations/promptfoo": { answer: "json", jsonLinesBody: false },
  "post /v1/keys": { answer: "json", jsonLinesBody: false },
  "get /v1/keys": { answer: "json", jsonLinesBody: false },
  "delete /v1/keys/{id}": { answer: "empty", jsonLinesBody: false },
  "get /v1/usage": { answer: "json", jsonLinesBody: false },
} as const;
