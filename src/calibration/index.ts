/**
 * Calibration and certified abstention for LLM judges: calibration maps, calibration metrics with
 * bootstrap intervals, cross-validation, Trust-or-Escalate threshold certification and cascades,
 * and reliability diagrams. Framework-free pure functions; every random choice is seeded.
 */
export { CalibrationInputError } from "./errors";
export { mulberry32, permutation, resampleIndices, type Rng } from "./random";
export { logit, sigmoid } from "./numeric";
export { examplesToArrays, type Label } from "./validate";
export {
  AUTO_THRESHOLDS,
  MIN_LABELS,
  applyCalibrator,
  fitCalibrator,
  resolveAutoMethod,
  type CalibrationMethod,
  type CalibratorModel,
  type FitMethod,
  type FittedCalibrator,
} from "./calibrators";
export { parseCalibratorModel } from "./model-json";
export { poolAdjacentViolators } from "./isotonic";
export {
  accuracyAt,
  adaptiveCalibrationError,
  auroc,
  brierScore,
  computeMetrics,
  expectedCalibrationError,
  logLoss,
  topLabelCalibrationError,
  reliabilityBins,
} from "./metrics";
export { metricsWithIntervals, percentileBootstrap } from "./bootstrap";
export { assignFolds, crossValidatedMetrics } from "./cross-validation";
export { inverseRegularizedIncompleteBeta, logGamma, regularizedIncompleteBeta } from "./special";
export { clopperPearsonUpper } from "./clopper-pearson";
export { DEFAULT_MIN_ACCEPTED, THRESHOLD_GRID, certifyThreshold, fixedSequenceTest, pairwiseAgreement, pairwiseConfidence } from "./certify";
export { certifyCascade, evaluateCascade, routeItem, type CascadeJudge } from "./cascade";
export { reliabilitySvg } from "./reliability-svg";
export {
  DEFAULT_TARGET,
  decisionProbability,
  fitDecisionRule,
  minLabelsFor,
  pooledSignal,
  stageSignals,
  type DecisionRule,
  type JudgeLabels,
  type ProfileKind,
  type ThresholdScale,
} from "./rule";
export { labelsNeeded, type LabelsNeeded } from "./labels-needed";
export { buildProfile, type StageProfile } from "./profile";
export { decideConfidence, foreignSignal, type Decision } from "./decision";
