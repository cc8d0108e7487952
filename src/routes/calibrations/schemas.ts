import { z } from "@hono/zod-openapi";
import { Context, Instruction, ItemsInput, MaxItems, ObjectId, ResponseText, Usage, maxChars } from "../schemas";

const Probability = z.number().min(0, "must lie in [0, 1]").max(1, "must lie in [0, 1]");
const Target = z
  .strictObject({
    alpha: z.number().gt(0).lt(1).openapi({ description: "Certified agreement is ≥ 1 − alpha.", example: 0.2 }),
    delta: z.number().gt(0).lt(1).openapi({ description: "The guarantee holds with probability ≥ 1 − delta.", example: 0.1 }),
  })
  .openapi("CalibrationTarget");

const ExampleInput = z
  .strictObject({
    p: Probability.optional().openapi({ description: "Pointwise: the judge's raw probability that the response is good." }),
    p_a: Probability.optional().openapi({ description: "Pairwise: the judge's raw probability that response A wins." }),
    evaluation_id: ObjectId.optional().openapi({
      description: "Pointwise: a stored evaluation; its soft score, or its weighted score without logprobs, is the signal.",
    }),
    label: z.union([z.literal(0), z.literal(1), z.literal("a"), z.literal("b")], { error: 'must be 0 or 1 (pointwise), or "a" or "b" (pairwise)' }).openapi({
      description: 'The human outcome: 1 good / 0 not (pointwise), or the preferred response "a" / "b" (pairwise).',
    }),
  })
  .openapi("CalibrationExample");

// Bootstrap intervals resample every metric 1,000 times; 10,000 examples keep a fit to seconds.
const Examples = z.array(ExampleInput).min(1).max(10_000);

export const CreateCalibrationBody = z
  .strictObject({
    name: maxChars(z.string().trim().min(1, "must not be empty"), 200),
    kind: z.enum(["pointwise", "pairwise"]),
    examples: Examples.optional().openapi({ description: "One judge's labelled examples (not with `judges`)." }),
    judge: maxChars(z.string().min(1), 200).optional().openapi({
      description:
        "The judge model these examples come from; evaluations and comparisons under this profile are made by it. Evaluation examples must have been graded by it; without it, the profile's judge is the model that graded them.",
    }),
    judges: z
      .array(z.strictObject({ model: maxChars(z.string().min(1), 200), examples: Examples }))
      .min(2)
      .max(5)
      .optional()
      .openapi({
        description:
          "A cascade, cheapest judge first: each judge's examples over the same items, in the same order, with the same labels. Evaluation examples must have been graded by the judge's model.",
      }),
    method: z.enum(["auto", "temperature", "platt", "beta", "isotonic"]).optional(),
    pooled: z.boolean().optional().openapi({
      description: "Cascade only: judge k is fitted and certified on the mean raw probability of judges 0..k (they have all answered any item that reaches k).",
    }),
    target: Target.optional(),
    signal: z.enum(["soft", "weighted"]).optional().openapi({
      description:
        "Pointwise only: which score the `p` examples are — `soft` (weighted p(YES), graded with logprobs; the default) or `weighted` (the weighted verdict score, without). Evaluation examples carry their own; all must agree. The profile then answers only for that signal.",
    }),
  })
  .refine((b) => (b.examples === undefined) !== (b.judges === undefined), { message: "give examples or judges, not both", path: ["examples"] })
  .refine((b) => !(b.judge && b.judges), { message: "judge names a single judge; a cascade names each in judges", path: ["judge"] })
  .openapi("CreateCalibrationRequest");

const Interval = z
  .object({
    estimate: z.number().openapi({ description: "The metric on the sample." }),
    debiased: z
      .number()
      .openapi({ description: "Bootstrap bias-corrected: 2·estimate − the mean over resamples. Binned calibration errors are biased upwards on finite data." }),
    lo: z.number(),
    hi: z.number(),
  })
  .openapi("Interval", {
    description:
      "For calibration errors, estimate ± the bootstrap quantile of their noise term, which covers the population value (0 for a calibrated judge) with about the stated level; for the other metrics, the percentile bootstrap interval.",
  });
const MetricsWithIntervals = z
  .object({
    n: z.number().int(),
    resamples: z.number().int(),
    level: z.number(),
    ece: Interval,
    adaptive_ece: Interval,
    top_label_ece: Interval.openapi({ description: "ECE of the pick's confidence max(p, 1−p) against agreement." }),
    brier: Interval,
    log_loss: Interval,
    auroc: Interval.nullable(),
    accuracy: Interval,
  })
  .openapi("CalibrationMetrics", { description: "Point estimates with bias-corrected values and bootstrap intervals (1,000 resamples)." });
const ReliabilityBin = z
  .object({ lo: z.number(), hi: z.number(), count: z.number().int(), mean_confidence: z.number().nullable(), accuracy: z.number().nullable() })
  .openapi("ReliabilityBin");
const Threshold = z
  .object({
    lambda: z.number(),
    scale: z.enum(["raw", "calibrated"]).openapi({
      description: "What lambda is compared with: the confidence max(p, 1−p) of the raw signal (pairwise) or of the calibrated probability (pointwise).",
    }),
    coverage: z.number().openapi({ description: "Share of the certification items the cascade decides at lambda." }),
    alpha: z.number(),
    delta: z.number(),
    n_items: z.number().int().openapi({
      description: "Certification items: labels no calibration map was fitted on (every label for pairwise profiles, whose rule learns nothing from them).",
    }),
    n_accepted: z.number().int().openapi({ description: "Certification items decided at lambda (in a cascade, by all its judges together)." }),
    errors: z.number().int().openapi({ description: "Of those, the items decided against the label (in a cascade, by all its judges together)." }),
    upper_bound: z.number().openapi({ description: "Clopper–Pearson upper bound (level 1 − delta) on the error rate of accepted items; ≤ alpha." }),
  })
  .openapi("CertifiedThreshold");
const CurvePoint = z
  .object({
    lambda: z.number(),
    coverage: z.number(),
    n_accepted: z.number().int(),
    agreement: z.number().nullable(),
    agreement_lower: z.number().nullable().openapi({ description: "Clopper–Pearson lower bound (level 1 − delta) on the agreement." }),
  })
  .openapi("CoveragePoint");
const Calibrator = z
  .object({ method: z.string(), params: z.record(z.string(), z.unknown()), calibrated: z.boolean(), symmetric: z.boolean(), n_labels: z.number().int() })
  .passthrough();
const Method = z.enum(["identity", "temperature", "platt", "beta", "isotonic"]);

const Stage = z
  .object({
    judge: z.string().nullable(),
    method: Method,
    calibrated: z.boolean(),
    n: z.number().int(),
    raw_metrics: MetricsWithIntervals,
    metrics: MetricsWithIntervals,
    reliability: z.array(ReliabilityBin),
    raw_reliability: z
      .array(ReliabilityBin)
      .optional()
      .openapi({ description: "Reliability bins of the raw signal (absent from profiles fitted before it was kept)." }),
    coverage_curve: z.array(CurvePoint).optional().openapi({
      description:
        "Coverage and agreement against λ on the certification items that reach this judge, with confidences on the profile's scale (raw or calibrated), as certification sees them.",
    }),
    threshold: Threshold.nullable().openapi({
      description:
        "The cascade's one threshold, the same for every judge; its coverage, n_accepted and errors are the whole cascade's (this judge's part: n_decided, n_errors).",
    }),
    calibrator: Calibrator,
    n_reaching: z.number().int().openapi({ description: "Certification items that reach this judge (every earlier one abstained at the threshold)." }),
    n_decided: z.number().int().openapi({ description: "Of those, the items this judge decides at the threshold." }),
    n_errors: z.number().int().optional().openapi({
      description: "Of those it decides, the items it decides against the label (absent from profiles fitted before it was kept).",
    }),
  })
  .openapi("CalibrationJudge");

export const Calibration = z
  .object({
    id: z.string().openapi({ example: "cb_0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a" }),
    name: z.string(),
    kind: z.enum(["pointwise", "pairwise"]),
    judge: z.string().nullable(),
    method: Method,
    calibrated: z.boolean(),
    n: z.number().int(),
    raw_metrics: MetricsWithIntervals,
    metrics: MetricsWithIntervals.openapi({
      description: "Of predictions whose labels no map saw: a pointwise map on the certification items, a pairwise map by 5-fold cross-validation.",
    }),
    reliability: z.array(ReliabilityBin),
    threshold: Threshold.nullable().openapi({ description: "Null when no threshold passes its test: the judge then always abstains." }),
    calibrator: Calibrator,
    target: z.object({ alpha: z.number(), delta: z.number() }),
    signal: z.enum(["soft", "weighted", "p_a"]).nullable().openapi({
      description:
        "The signal the profile was fitted on; another signal gets `abstain: true, reason: signal_mismatch`. Null for pointwise profiles stored before profiles recorded it.",
    }),
    scale: z.enum(["raw", "calibrated"]).openapi({ description: "What thresholds are compared with (see CertifiedThreshold)." }),
    fitted_on: z.number().int().openapi({ description: "Labels the calibration maps were fitted on." }),
    certified_on: z.number().int().openapi({
      description:
        "Labels the threshold was certified on: for pointwise profiles those no map was fitted on (four fifths, once 248 labels allow a map); for pairwise ones every label.",
    }),
    pooled: z.boolean(),
    judges: z.array(Stage),
    cascade: z.boolean(),
    coverage: z.number().openapi({ description: "Share of the certification items decided at the threshold (in a cascade, by any of its judges)." }),
    agreement: z.number().nullable().openapi({ description: "Agreement with the labels on the items decided; null when none is." }),
  })
  .openapi("Calibration");

export const CreateConfidenceBody = z
  .strictObject({
    calibration_id: ObjectId,
    p: Probability.optional(),
    p_a: Probability.optional(),
    evaluation_id: ObjectId.optional(),
    instruction: Instruction.optional(),
    context: Context,
    response: ResponseText.optional(),
    checklist_id: ObjectId.optional(),
    checklist: z.strictObject({ items: ItemsInput }).optional(),
    max_items: MaxItems,
    stage: z.number().int().min(0).optional().openapi({ description: "Cascade only: which judge produced p / p_a (default 0)." }),
    previous: z.array(Probability).max(10).optional().openapi({
      description:
        "Cascade only, with p / p_a at a later stage: the raw signals of judges 0..stage−1. The guarantee covers items routed from the first judge, so they decide first if they can.",
    }),
  })
  .openapi("CreateConfidenceRequest");

const Guarantee = z.object({ agreement_at_least: z.number(), probability: z.number(), alpha: z.number(), delta: z.number() }).openapi("Guarantee");
const Decision = {
  p_raw: z.number(),
  p_calibrated: z.number().nullable().openapi({ description: "Null on a signal the profile was not fitted on." }),
  verdict: z.enum(["pass", "fail", "a", "b"]),
  confidence: z.number().openapi({ description: "max(x, 1−x) of the probability the threshold is compared with (see the profile's `scale`)." }),
  abstain: z.boolean(),
  reason: z.enum(["certified", "below_threshold", "no_certified_threshold", "signal_mismatch"]),
  threshold: z.number().nullable(),
  guarantee: Guarantee.nullable(),
};
const StageRef = z.object({ stage: z.number().int(), judge: z.string().nullable() });

export const ConfidenceBlock = z
  .object({
    calibration_id: z.string(),
    kind: z.enum(["pointwise", "pairwise"]),
    ...Decision,
    calibrated: z.boolean(),
    decided_by: StageRef.nullable(),
    escalate_to: StageRef.nullable(),
    stages: z.array(z.object({ ...Decision, stage: z.number().int(), judge: z.string().nullable(), evaluation_id: z.string().nullable() })),
  })
  .openapi("Confidence");

export const ConfidenceResponse = ConfidenceBlock.extend({ usage: Usage }).openapi("ConfidenceResponse");
