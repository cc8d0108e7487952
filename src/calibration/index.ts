/**
 * Calibration and certified abstention for LLM judges: calibration maps, calibration metrics with
 * bootstrap intervals, cross-validation, Trust-or-Escalate threshold certification and cascades,
 * and reliability diagrams. Framework-free pure functions; every random choice is seeded.
 */
export { CalibrationInputError } from './errors.js';
export { mulberry32, permutation, resampleIndices, shuffleInPlace, type Rng } from './random.js';
export { PROBABILITY_EPSILON, clipProbability, logit, sigmoid } from './numeric.js';
export { examplesToArrays, type Label } from './validate.js';
export {
  AUTO_THRESHOLDS,
  MIN_LABELS,
  applyCalibrator,
  fitCalibrator,
  resolveAutoMethod,
  type CalibrationMethod,
  type CalibratorModel,
  type FitMethod,
  type FitOptions,
  type FittedCalibrator,
} from './calibrators.js';
export { parseCalibratorModel } from './model-json.js';
export { TEMPERATURE_RANGE, type BetaParams, type PlattParams, type TemperatureParams } from './parametric.js';
export { poolAdjacentViolators, type IsotonicParams, type PavBlock } from './isotonic.js';
export {
  DEFAULT_BINS,
  accuracyAt,
  adaptiveCalibrationError,
  auroc,
  brierScore,
  computeMetrics,
  expectedCalibrationError,
  logLoss,
  topLabelCalibrationError,
  reliabilityBins,
  type Metrics,
  type ReliabilityBin,
} from './metrics.js';
export {
  METRIC_NAMES,
  metricsWithIntervals,
  percentileBootstrap,
  type BootstrapOptions,
  type Interval,
  type MetricName,
  type MetricsWithIntervals,
} from './bootstrap.js';
export {
  assignFolds,
  crossValidatedMetrics,
  type CrossValidationOptions,
  type CrossValidationResult,
} from './cross-validation.js';
export { inverseRegularizedIncompleteBeta, logGamma, regularizedIncompleteBeta } from './special.js';
export { clopperPearsonUpper } from './clopper-pearson.js';
export {
  DEFAULT_MIN_ACCEPTED,
  MIN_ACCEPTED_SHARE,
  THRESHOLD_GRID,
  certifyThreshold,
  fixedSequenceTest,
  pairwiseAgreement,
  pairwiseConfidence,
  type Certificate,
  type CertifyOptions,
  type StageScores,
  type TestStep,
} from './certify.js';
export {
  certifyCascade,
  evaluateCascade,
  routeItem,
  type CascadeCertification,
  type CascadeJudge,
  type CascadeOutcome,
  type CascadeStage,
} from './cascade.js';
export { escapeXml, reliabilitySvg, type ReliabilitySvgOptions } from './reliability-svg.js';
export {
  CV_FOLDS,
  DEFAULT_TARGET,
  MIN_FIT_LABELS,
  POINTWISE_FIT_SHARE,
  decisionProbability,
  fitDecisionRule,
  minLabelsFor,
  pooledSignal,
  stageSignals,
  type DecisionRule,
  type JudgeLabels,
  type ProfileKind,
  type RuleOptions,
  type RuleStage,
  type ThresholdScale,
} from './rule.js';
export { labelsNeeded, type LabelsNeeded } from './labels-needed.js';
export { BOOTSTRAP_RESAMPLES, buildProfile, type ProfileSummary, type StageData, type StageProfile, type ThresholdView } from './profile.js';
export {
  decideConfidence,
  foreignSignal,
  type Decision,
  type DecisionReason,
  type DecisionStage,
  type Guarantee,
  type Verdict,
} from './decision.js';
