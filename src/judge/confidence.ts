import { decideConfidence, pooledSignal, type Decision } from "../calibration/index";
import type { RequestContext } from "../context";
import { ProblemError } from "../errors";
import type { Store } from "../store/store";
import { addUsage, noUsage, type Usage } from "./ask";
import { type Calibrations, type CalibrationView, evaluationSignal, invalid } from "./calibrations";
import type { EvaluationInput, EvaluationView, Judge } from "./judge";

export interface ConfidenceInput {
  calibration_id: string;
  p?: number | undefined;
  p_a?: number | undefined;
  evaluation_id?: string | undefined;
  instruction?: string | undefined;
  context?: string | null | undefined;
  response?: string | undefined;
  checklist_id?: string | undefined;
  checklist?: EvaluationInput["checklist"];
  max_items?: number | undefined;
  /** Which judge of a cascade produced `p` / `p_a` / the evaluation (default: the first). */
  stage?: number | undefined;
  /** Pooled cascades: the raw signals of judges 0..stage−1. */
  previous?: number[] | undefined;
}

export interface StageDecision extends Decision {
  stage: number;
  judge: string | null;
  evaluation_id: string | null;
}

export interface ConfidenceView extends Decision {
  calibration_id: string;
  kind: CalibrationView["kind"];
  calibrated: boolean;
  /** The judge whose answer stands; null when every judge consulted abstained. */
  decided_by: { stage: number; judge: string | null } | null;
  /** The next judge to ask when this one abstained and its signal could not be computed here. */
  escalate_to: { stage: number; judge: string | null } | null;
  stages: StageDecision[];
}

/** What is known of the text under judgement, so that later judges can grade the same thing. */
interface Gradable {
  instruction: string;
  context: string | null;
  response: string;
  checklist_id: string;
}

/**
 * Calibrated confidence with certified abstention; with a cascade profile an abstaining judge
 * hands the item to the next judge model (Jung, Brahman & Choi 2024), graded on the same
 * checklist, until one answers or none is left.
 */
export class Confidence {
  constructor(
    private readonly calibrations: Calibrations,
    private readonly judge: Judge,
    private readonly store: Store,
  ) {}

  async confidence(input: ConfidenceInput, ctx: RequestContext): Promise<ConfidenceView & { usage: Usage }> {
    const profile = await this.calibrations.byId(input.calibration_id, ctx, "/calibration_id");
    const sources = (["p", "p_a", "evaluation_id", "response"] as const).filter((k) => input[k] !== undefined);
    if (sources.length === 0 && input.instruction !== undefined) throw invalid("/response", "required with instruction");
    if (sources.length !== 1) throw invalid("", "give exactly one of p, p_a, evaluation_id or (instruction, response)");
    const source = sources[0]!;
    if (profile.kind === "pairwise" && source !== "p_a") throw invalid(`/${source}`, "a pairwise profile takes p_a");
    if (profile.kind === "pointwise" && source === "p_a") throw invalid("/p_a", "a pointwise profile takes p, evaluation_id or (instruction, response)");
    if (source === "response" && input.instruction === undefined) throw invalid("/instruction", "required with response");
    if (input.stage !== undefined && input.stage >= profile.judges.length) {
      throw invalid("/stage", `must be below ${profile.judges.length}, the number of judges`);
    }
    let stage = input.stage ?? 0;
    const previous = input.previous ?? [];
    if (previous.length > 0 && !profile.pooled) throw invalid("/previous", "only a pooled cascade takes previous signals");
    if (profile.pooled && (source === "p" || source === "p_a") && previous.length !== stage) {
      throw invalid("/previous", `a pooled cascade needs the raw signals of the ${stage} judge(s) before stage ${stage}`);
    }
    if (profile.pooled && source === "response" && stage !== 0) throw invalid("/stage", "a pooled cascade grades from its first judge");

    if (source === "p" || source === "p_a") return this.run(profile, stage, [...previous, input[source] as number], null, null, noUsage(), ctx);
    if (source === "evaluation_id") {
      const row = await this.store.evaluationById(ctx.tenant, input.evaluation_id!);
      if (!row) throw new ProblemError("not_found", `no evaluation with id ${input.evaluation_id}`, [{ path: "/evaluation_id", message: "no evaluation with this id" }]);
      const byModel = profile.judges.findIndex((j) => j.judge === row.model);
      if (byModel < 0 && profile.judges.some((j) => j.judge !== null)) {
        // A map fitted to one model's probabilities says nothing about another's.
        throw invalid("/evaluation_id", `graded by ${row.model}, which this profile does not calibrate`);
      }
      if (input.stage === undefined && byModel >= 0) stage = byModel;
      const gradable = { instruction: row.instruction, context: row.context ?? null, response: row.response, checklist_id: row.checklistId };
      if (profile.pooled && stage > 0) {
        // A later judge's signal means nothing alone in a pooled cascade: route the same item from
        // the first judge (its own grading is then served from the cache).
        return this.fromEvaluation(profile, 0, await this.judge.evaluate({ ...gradable, model: profile.judges[0]!.judge ?? undefined }, ctx), gradable, ctx);
      }
      const evaluation = await this.judge.evaluationById(row.id, ctx);
      return this.run(profile, stage, [evaluationSignal(evaluation.scores)], row.id, gradable, noUsage(), ctx);
    }
    const evaluation = await this.judge.evaluate({
      instruction: input.instruction!,
      context: input.context,
      response: input.response!,
      checklist_id: input.checklist_id,
      checklist: input.checklist,
      max_items: input.max_items,
      model: profile.judges[stage]!.judge ?? undefined,
    }, ctx);
    return this.fromEvaluation(profile, stage, evaluation, input, ctx);
  }

  /**
   * The confidence block of a direct comparison's p(a better) under a pairwise profile. A cascade's
   * later judges are named in `escalate_to` rather than asked: a comparison is made by one judge.
   */
  async forComparison(calibrationId: string, pA: number, ctx: RequestContext): Promise<ConfidenceView> {
    const profile = await this.calibrations.byId(calibrationId, ctx, "/calibration_id");
    if (profile.kind !== "pairwise") throw invalid("/calibration_id", "a comparison needs a pairwise profile");
    const { usage: _, ...view } = await this.run(profile, 0, [pA], null, null, noUsage(), ctx);
    return view;
  }

  /** An evaluation graded by the profile's (first) judge, carrying the confidence block. */
  async evaluate(
    input: EvaluationInput & { calibration_id: string },
    ctx: RequestContext,
  ): Promise<EvaluationView & { confidence: ConfidenceView }> {
    const profile = await this.calibrations.byId(input.calibration_id, ctx, "/calibration_id");
    if (profile.kind !== "pointwise") throw invalid("/calibration_id", "an evaluation needs a pointwise profile");
    const evaluation = await this.judge.evaluate({ ...input, model: profile.judges[0]!.judge ?? undefined }, ctx);
    const { usage, ...confidence } = await this.fromEvaluation(profile, 0, evaluation, input, ctx);
    return { ...evaluation, usage, confidence };
  }

  private fromEvaluation(
    profile: CalibrationView,
    stage: number,
    evaluation: EvaluationView,
    input: { instruction?: string | undefined; context?: string | null | undefined; response?: string | undefined },
    ctx: RequestContext,
  ) {
    const gradable = {
      instruction: input.instruction!,
      context: input.context ?? null,
      response: input.response!,
      checklist_id: evaluation.checklist.id,
    };
    return this.run(profile, stage, [evaluationSignal(evaluation.scores)], evaluation.id, gradable, evaluation.usage, ctx);
  }

  /**
   * Routes one item from stage `start`. `raws` ends with the raw signal of judge `start`; for a
   * pooled cascade it holds those of every judge from 0, and each stage decides on their mean.
   */
  private async run(
    profile: CalibrationView,
    start: number,
    raws: number[],
    evaluationId: string | null,
    gradable: Gradable | null,
    usage: Usage,
    ctx: RequestContext,
  ): Promise<ConfidenceView & { usage: Usage }> {
    const stages: StageDecision[] = [];
    let evalId = evaluationId;
    for (let s = start; ; s++) {
      const stage = profile.judges[s]!;
      const signal = profile.pooled ? pooledSignal(raws) : raws[raws.length - 1]!;
      const decision = decideConfidence(profile.kind, { model: stage.calibrator, threshold: stage.threshold }, signal);
      stages.push({ ...decision, stage: s, judge: stage.judge, evaluation_id: evalId });
      const next = profile.judges[s + 1];
      if (!decision.abstain || !next) break;
      if (!gradable) {
        return this.view(profile, stages, { stage: s + 1, judge: next.judge }, usage);
      }
      // Every judge grades the same checklist, so their signals describe the same questions.
      const evaluation = await this.judge.evaluate({ ...gradable, model: next.judge ?? undefined }, ctx);
      usage = addUsage(usage, evaluation.usage);
      raws.push(evaluationSignal(evaluation.scores));
      evalId = evaluation.id;
    }
    return this.view(profile, stages, null, usage);
  }

  private view(
    profile: CalibrationView,
    stages: StageDecision[],
    escalateTo: ConfidenceView["escalate_to"],
    usage: Usage,
  ): ConfidenceView & { usage: Usage } {
    const last = stages[stages.length - 1]!;
    const { stage, judge, evaluation_id: _e, ...decision } = last;
    return {
      calibration_id: profile.id,
      kind: profile.kind,
      ...decision,
      calibrated: profile.judges[stage]!.calibrated,
      decided_by: last.abstain ? null : { stage, judge },
      escalate_to: escalateTo,
      stages,
      usage,
    };
  }
}
