import { decideConfidence, foreignSignal, pooledSignal, type Decision } from "../calibration/index";
import type { RequestContext } from "../context";
import { ProblemError } from "../errors";
import type { Store } from "../store/ports";
import { addUsage, noUsage, type Usage } from "../llm/usage";
import { type Calibrations, type CalibrationView, evaluationSignal, invalid, type ProfileSignal } from "./calibrations";
import type { ComparisonInput, Comparisons, ComparisonView } from "./comparison";
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
  /** With `p` / `p_a` at a later stage: the raw signals of judges 0..stage−1. */
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

/** A raw signal of the profile's kind, and which signal it is. */
interface Raw {
  value: number;
  signal: ProfileSignal | null;
}

/**
 * Asks a later judge of a cascade for its signal on the same item (grading the same checklist, or
 * comparing the same pair); null when it gives none (a comparison without logprobs).
 */
type Escalate = (model: string | undefined) => Promise<{ raw: Raw; evaluationId: string | null; usage: Usage } | null>;

/**
 * A profile's first judge, which grades what the profile is applied to: a request naming another
 * judge is refused (the profile says nothing of that judge's probabilities).
 */
function firstJudge(profile: CalibrationView, named: string | undefined, judge: Judge): string | undefined {
  const model = profile.judges[0]!.judge ?? undefined;
  if (named !== undefined && named !== model) {
    throw invalid("/judge", `the profile calibrates ${model ?? "the server's judge"}, which grades here: drop judge, or name that one`);
  }
  // A profile may be fitted on any judge's signals (POST /v1/confidence then takes them as p or
  // p_a), but the server asks only the models its operator allows.
  if (!judge.allows(model)) {
    throw invalid("/calibration_id", `the profile's judge ${model} is not one this server grades with: send its signal (p or p_a) instead`);
  }
  return model;
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
    private readonly comparisons: Comparisons,
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
    const stage = input.stage ?? 0;
    const previous = input.previous ?? [];
    if (source === "p" || source === "p_a") {
      // The cascade's guarantee covers items routed from its first judge: a signal from a later
      // judge is placed after those of the judges before it, which decide first if they can.
      if (previous.length !== stage) {
        throw invalid("/previous", `a signal at stage ${stage} needs the raw signals of the ${stage} judge(s) before it, which the cascade asks first`);
      }
      const raws = [...previous, input[source] as number].map((value) => ({ value, signal: profile.signal }));
      return this.run(profile, raws, [], null, noUsage());
    }
    if (previous.length > 0) throw invalid("/previous", "only a raw signal (p or p_a) takes previous signals");
    if (source === "evaluation_id") {
      const row = await this.store.evaluationById(ctx.tenant, input.evaluation_id!);
      if (!row)
        throw new ProblemError("not_found", `no evaluation with id ${input.evaluation_id}`, [
          { path: "/evaluation_id", message: "no evaluation with this id" },
        ]);
      // A profile that names no judge calibrates the server's own.
      const byModel = profile.judges.findIndex((j) => (j.judge ?? this.judge.upstreamModel()) === row.model);
      if (byModel < 0) {
        // A map fitted to one model's probabilities says nothing about another's.
        throw invalid("/evaluation_id", `graded by ${row.model}, which this profile does not calibrate`);
      }
      const gradable = { instruction: row.instruction, context: row.context ?? null, response: row.response, checklist_id: row.checklistId };
      const evaluation = await this.judge.evaluationById(row.id, ctx);
      if (Math.max(byModel, stage) === 0) return this.fromEvaluation(profile, evaluation, gradable, ctx);
      // A later judge's grading: the same item is routed from the first judge (whose grading is
      // served from the cache when it was made before), as the guarantee requires.
      return this.fromEvaluation(profile, await this.judge.evaluate({ ...gradable, model: firstJudge(profile, undefined, this.judge) }, ctx), gradable, ctx);
    }
    if (stage !== 0) throw invalid("/stage", "a new grading starts at the cascade's first judge");
    const evaluation = await this.judge.evaluate(
      {
        instruction: input.instruction!,
        context: input.context,
        response: input.response!,
        checklist_id: input.checklist_id,
        checklist: input.checklist,
        max_items: input.max_items,
        model: firstJudge(profile, undefined, this.judge),
      },
      ctx,
    );
    return this.fromEvaluation(profile, evaluation, { instruction: input.instruction!, context: input.context ?? null, response: input.response! }, ctx);
  }

  /**
   * A comparison made by a pairwise profile's (first) judge, carrying the confidence block of its
   * direct p(a better). When a judge of a cascade abstains, the next one compares the same pair
   * directly, until one answers: the guarantee covers items routed from the first judge. The block
   * is null when the first judge gave no logprobs, so there is no p_a to calibrate.
   */
  async compare(input: ComparisonInput & { calibration_id: string }, ctx: RequestContext): Promise<ComparisonView & { confidence: ConfidenceView | null }> {
    const { calibration_id, ...request } = input;
    const profile = await this.calibrations.byId(calibration_id, ctx, "/calibration_id");
    if (profile.kind !== "pairwise") throw invalid("/calibration_id", "a comparison needs a pairwise profile");
    const comparison = await this.comparisons.compare({ ...request, model: firstJudge(profile, input.judge, this.judge) }, ctx);
    if (comparison.p_a === null) return { ...comparison, confidence: null };
    const pair = { instruction: input.instruction, context: input.context ?? null, a: input.a, b: input.b };
    const escalate: Escalate = async (model) => {
      const verdict = await this.comparisons.direct({ ...pair, model }, ctx);
      return verdict.p_a === null ? null : { raw: { value: verdict.p_a, signal: "p_a" }, evaluationId: null, usage: verdict.usage };
    };
    const { usage, ...confidence } = await this.run(profile, [{ value: comparison.p_a, signal: "p_a" }], [null], escalate, comparison.usage);
    return { ...comparison, usage, confidence };
  }

  /** An evaluation graded by the profile's (first) judge, carrying the confidence block. */
  async evaluate(input: EvaluationInput & { calibration_id: string }, ctx: RequestContext): Promise<EvaluationView & { confidence: ConfidenceView }> {
    const profile = await this.calibrations.byId(input.calibration_id, ctx, "/calibration_id");
    if (profile.kind !== "pointwise") throw invalid("/calibration_id", "an evaluation needs a pointwise profile");
    const evaluation = await this.judge.evaluate({ ...input, model: firstJudge(profile, input.judge, this.judge) }, ctx);
    const gradable = { instruction: input.instruction, context: input.context ?? null, response: input.response };
    const { usage, ...confidence } = await this.fromEvaluation(profile, evaluation, gradable, ctx);
    return { ...evaluation, usage, confidence };
  }

  /** Routes an item from the first judge's evaluation of it; later judges grade the same checklist. */
  private fromEvaluation(
    profile: CalibrationView,
    evaluation: EvaluationView,
    text: { instruction: string; context: string | null; response: string },
    ctx: RequestContext,
  ) {
    const gradable = { ...text, checklist_id: evaluation.checklist.id };
    const escalate: Escalate = async (model) => {
      const graded = await this.judge.evaluate({ ...gradable, model }, ctx);
      return { raw: evaluationSignal(graded.scores), evaluationId: graded.id, usage: graded.usage };
    };
    return this.run(profile, [evaluationSignal(evaluation.scores)], [evaluation.id], escalate, evaluation.usage);
  }

  /**
   * Routes one item through the cascade from its first judge. `raws` holds the raw signals known
   * so far (judges 0..), each with the signal it is; a judge without one is asked through
   * `escalate` when there is a way to ask it, else named in `escalate_to`. A stage decides on its own signal, or (pooled) on the
   * mean of every signal so far. A signal the profile was not fitted on ends the route with an
   * abstention: no map applies to it and no certificate covers it.
   */
  private async run(
    profile: CalibrationView,
    raws: Raw[],
    evaluationIds: (string | null)[],
    escalate: Escalate | null,
    usage: Usage,
  ): Promise<ConfidenceView & { usage: Usage }> {
    const stages: StageDecision[] = [];
    for (let s = 0; ; s++) {
      const stage = profile.judges[s]!;
      const known = raws.slice(0, s + 1);
      const signal = profile.pooled ? pooledSignal(known.map((r) => r.value)) : raws[s]!.value;
      const foreign = known.some((r) => r.signal !== profile.signal);
      const decision = foreign
        ? foreignSignal(profile.kind, signal)
        : decideConfidence(profile.kind, { model: stage.calibrator, threshold: stage.threshold, scale: profile.scale }, signal);
      stages.push({ ...decision, stage: s, judge: stage.judge, evaluation_id: evaluationIds[s] ?? null });
      const next = profile.judges[s + 1];
      if (!decision.abstain || foreign || !next) break;
      if (raws.length > s + 1) continue;
      // A judge the server may not ask is named in escalate_to, for the caller to ask.
      const asked = escalate && this.judge.allows(next.judge) && (await escalate(next.judge ?? undefined));
      if (!asked) return this.view(profile, stages, { stage: s + 1, judge: next.judge }, usage);
      usage = addUsage(usage, asked.usage);
      raws.push(asked.raw);
      evaluationIds.push(asked.evaluationId);
    }
    return this.view(profile, stages, null, usage);
  }

  private view(profile: CalibrationView, stages: StageDecision[], escalateTo: ConfidenceView["escalate_to"], usage: Usage): ConfidenceView & { usage: Usage } {
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
