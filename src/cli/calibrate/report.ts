import { DEFAULT_MIN_ACCEPTED, labelsNeeded, type JudgeLabels, type Label, type LabelsNeeded } from "../../calibration/index";
import type { Calibration, CalibrationJudge, CertifiedThreshold, CreateCalibrationRequest } from "../../../client/src/index";
import { CliError, EXIT } from "../exit";
import type { Failure, PairwiseGrade, PointwiseGrade } from "./grade";
import { type Labelled, labelledItem, type PointwiseLine, unknownItem } from "./labelled";
import { type Confusion, confusionOf, type Interval, kappaInterval, kappaOf, type Pair } from "./stats";

interface AgreementReport {
  /** How a judgement becomes a verdict: the raw signal on the positive side of ½, as the API's accuracy counts it. */
  verdict: string;
  n: number;
  /** From the profile (`raw_metrics.accuracy`), with its bootstrap interval. */
  accuracy: Interval;
  kappa: Interval | null;
  confusion: Confusion & { positive: string; negative: string };
  /** Accuracy of the calibrated, held-out predictions (`metrics.accuracy`). */
  calibrated_accuracy: Interval;
}

interface QuestionAgreement {
  question: string;
  n: number;
  agreement: number;
  kappa: number | null;
}

/** The judge's YES/NO answers against `item_labels`, overall and per question (TICK's item-level agreement). */
interface ItemAgreement {
  n: number;
  lines: number;
  agreement: number;
  kappa: Interval | null;
  confusion: Confusion;
  questions: QuestionAgreement[];
}

export interface JudgeReport {
  model: string | null;
  method: CalibrationJudge["method"];
  calibrated: boolean;
  n: number;
  agreement: AgreementReport;
  items: ItemAgreement | null;
  ece: { raw: Interval; calibrated: Interval };
  brier: { raw: Interval; calibrated: Interval };
  /** Certification items that reach this judge at the threshold, that it decides, and that it decides against the label. */
  n_reaching: number;
  n_decided: number;
  n_errors: number;
  diagram: string;
}

export interface CalibrationReport {
  profile_id: string;
  name: string;
  kind: Calibration["kind"];
  file: string;
  lines: number;
  used: number;
  failed: Failure[];
  target: Calibration["target"];
  cascade: boolean;
  pooled: boolean;
  /** What the threshold is compared with: the confidence of the raw signal, or of the calibrated probability. */
  scale: Calibration["scale"];
  /** The one certified threshold (a cascade's, for every judge), with the whole profile's coverage and errors; null when none passed. */
  threshold: CertifiedThreshold;
  /** Over the certification items, the threshold applied along the cascade. */
  coverage: number;
  agreement: number | null;
  /** Why no threshold was certified, and about how many labels it would take. */
  not_certified: { reason: string; labels_needed: LabelsNeeded } | null;
  judges: JudgeReport[];
}

/**
 * The judge's answer and the label for each item of a line's `item_labels`, found by item id
 * ("q1") or by the question's text. A key that names no item of the line's checklist is an error
 * rather than a silently smaller sample.
 */
export function itemPairs(line: PointwiseLine, grade: PointwiseGrade): { question: string; pair: Pair }[] {
  return Object.entries(line.item_labels ?? {}).map(([key, label]) => {
    const item = labelledItem(grade.items, key);
    if (!item) throw new CliError(EXIT.input, `line ${line.line}: ${unknownItem(key, grade.items)}`);
    return { question: item.question, pair: [label === "YES", item.verdict === "YES"] as const };
  });
}

function itemAgreement(lines: PointwiseLine[], grades: Map<number, PointwiseGrade>): ItemAgreement | null {
  const groups = lines.filter((l) => l.item_labels && grades.has(l.line)).map((l) => itemPairs(l, grades.get(l.line)!));
  const pairs = groups.flat();
  if (pairs.length === 0) return null;
  const confusion = confusionOf(pairs.map((p) => p.pair));
  const byQuestion = new Map<string, Pair[]>();
  for (const { question, pair } of pairs) byQuestion.set(question, [...(byQuestion.get(question) ?? []), pair]);
  const questions = [...byQuestion].map(([question, list]) => {
    const c = confusionOf(list);
    return { question, n: list.length, agreement: (c.tp + c.tn) / list.length, kappa: kappaOf(c) };
  });
  questions.sort((a, b) => b.n - a.n || a.agreement - b.agreement || a.question.localeCompare(b.question));
  return {
    n: pairs.length,
    lines: groups.length,
    agreement: (confusion.tp + confusion.tn) / pairs.length,
    kappa: kappaInterval(groups.map((g) => g.map((p) => p.pair))),
    confusion,
    questions,
  };
}

function notCertified(input: ReportInput): CalibrationReport["not_certified"] {
  const { profile } = input;
  if (profile.threshold) return null;
  const who = profile.cascade ? "the cascade" : "the judge";
  const reason =
    profile.certified_on < DEFAULT_MIN_ACCEPTED
      ? `only ${profile.certified_on} labels certify${profile.fitted_on > 0 ? ` (the other ${profile.fitted_on} fitted the map)` : ""}, and a threshold is tested only where ${who} answers at least ${DEFAULT_MIN_ACCEPTED} of them`
      : `the first threshold tested, on the items ${who} is surest of, already failed: with these labels its error rate there cannot be bounded below α`;
  // The service's own rule, run on resamples of the same signals and labels.
  const labels = new Map<number, Label>(input.labelled.lines.map((l) => [l.line, l.label === 1 || l.label === "a" ? 1 : 0]));
  const judges: JudgeLabels[] = input.grades.map((grades) => ({
    p: input.used.map((line) => grades.get(line)!.p),
    y: input.used.map((line) => labels.get(line)!),
  }));
  const labels_needed = labelsNeeded(profile.kind, judges, { method: input.method ?? "auto", target: profile.target, pooled: profile.pooled });
  return { reason, labels_needed };
}

export interface ReportInput {
  file: string;
  labelled: Labelled;
  /** The lines every judge graded, which the profile was fitted on. */
  used: number[];
  /** Each judge's grades, by line. */
  grades: Map<number, PointwiseGrade | PairwiseGrade>[];
  failed: Failure[];
  profile: Calibration;
  /** The method asked for (default auto), which the labels-needed estimate fits as the service did. */
  method?: CreateCalibrationRequest["method"] | undefined;
  diagrams: string[];
}

/** The report: agreement computed here from the gradings, everything else read from the profile. */
export function buildReport(input: ReportInput): CalibrationReport {
  const { labelled, profile } = input;
  const labels = new Map<number, boolean>(labelled.lines.map((l) => [l.line, l.label === 1 || l.label === "a"]));
  const [positive, negative] = labelled.kind === "pointwise" ? ["1", "0"] : ["a", "b"];
  const used = new Set(input.used);
  const judges = profile.judges.map((stage, k): JudgeReport => {
    const grades = input.grades[k]!;
    const groups: Pair[][] = input.used.map((line) => [[labels.get(line)!, grades.get(line)!.p >= 0.5]]);
    const confusion = confusionOf(groups.flat());
    return {
      model: stage.judge,
      method: stage.method,
      calibrated: stage.calibrated,
      n: stage.n,
      agreement: {
        verdict: labelled.kind === "pointwise" ? "pass when the raw signal is ≥ 0.5" : "a when the raw p(a better) is ≥ 0.5",
        n: input.used.length,
        accuracy: stage.raw_metrics.accuracy,
        kappa: kappaInterval(groups),
        confusion: { ...confusion, positive, negative },
        calibrated_accuracy: stage.metrics.accuracy,
      },
      items:
        labelled.kind === "pointwise"
          ? itemAgreement(
              labelled.lines.filter((l) => used.has(l.line)),
              grades as Map<number, PointwiseGrade>,
            )
          : null,
      ece: { raw: stage.raw_metrics.ece, calibrated: stage.metrics.ece },
      brier: { raw: stage.raw_metrics.brier, calibrated: stage.metrics.brier },
      n_reaching: stage.n_reaching,
      n_decided: stage.n_decided,
      n_errors: stage.n_errors ?? 0,
      diagram: input.diagrams[k]!,
    };
  });
  return {
    profile_id: profile.id,
    name: profile.name,
    kind: profile.kind,
    file: input.file,
    lines: labelled.lines.length,
    used: input.used.length,
    failed: input.failed,
    target: profile.target,
    cascade: profile.cascade,
    pooled: profile.pooled,
    scale: profile.scale,
    threshold: profile.threshold,
    coverage: profile.coverage,
    agreement: profile.agreement,
    not_certified: notCertified(input),
    judges,
  };
}
