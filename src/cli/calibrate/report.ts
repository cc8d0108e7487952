import type { Calibration, CalibrationJudge, CertifiedThreshold } from "../../../client/src/index.js";
import { CliError, EXIT } from "../exit";
import type { Failure, PairwiseGrade, PointwiseGrade } from "./grade";
import type { Labelled, PointwiseLine } from "./labelled";
import {
  type Confusion,
  confusionOf,
  type Interval,
  kappaInterval,
  kappaOf,
  type LabelsNeeded,
  labelsNeeded,
  MIN_ACCEPTED,
  type Pair,
} from "./stats";

export interface AgreementReport {
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

export interface QuestionAgreement {
  question: string;
  n: number;
  agreement: number;
  kappa: number | null;
}

/** The judge's YES/NO answers against `item_labels`, overall and per question (TICK's item-level agreement). */
export interface ItemAgreement {
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
  threshold: CertifiedThreshold;
  n_reaching: number;
  n_decided: number;
  /** Why no threshold was certified, and (first judge) about how many labels it would take. */
  not_certified: { reason: string; labels_needed: LabelsNeeded | null } | null;
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
  /** Over the labelled items, every judge's threshold applied in turn. */
  coverage: number;
  agreement: number | null;
  judges: JudgeReport[];
}

/**
 * The judge's answer and the label for each item of a line's `item_labels`, found by item id
 * ("q1") or by the question's text. A key that names no item of the line's checklist is an error
 * rather than a silently smaller sample.
 */
export function itemPairs(line: PointwiseLine, grade: PointwiseGrade): { question: string; pair: Pair }[] {
  return Object.entries(line.item_labels ?? {}).map(([key, label]) => {
    const item = grade.items.find((i) => i.id === key) ?? grade.items.find((i) => i.question.trim() === key.trim());
    if (!item) {
      const known = grade.items.map((i) => `${i.id}: ${i.question}`).join("; ");
      throw new CliError(EXIT.input, `line ${line.line}: item_labels names "${key}", which is neither an item id nor a question of its checklist (${known})`);
    }
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

function notCertified(stage: CalibrationJudge, index: number, target: Calibration["target"]): JudgeReport["not_certified"] {
  if (stage.threshold) return null;
  if (stage.n_reaching < MIN_ACCEPTED) {
    const what = index === 0 ? `only ${stage.n_reaching} labelled items` : `only ${stage.n_reaching} items reach this judge (the earlier ones decide the rest)`;
    const reason = `${what}: certification needs at least ${MIN_ACCEPTED} that the judge would answer`;
    return { reason, labels_needed: index === 0 ? labelsNeeded(stage.reliability, stage.n, target.alpha, target.delta) : null };
  }
  const reason = `even on its most confident items the judge errs too often to bound its error rate below α`;
  return { reason, labels_needed: index === 0 ? labelsNeeded(stage.reliability, stage.n, target.alpha, target.delta) : null };
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
      threshold: stage.threshold,
      n_reaching: stage.n_reaching,
      n_decided: stage.n_decided,
      not_certified: notCertified(stage, k, profile.target),
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
    coverage: profile.coverage,
    agreement: profile.agreement,
    judges,
  };
}
