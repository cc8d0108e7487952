import {
  buildProfile,
  CalibrationInputError,
  DEFAULT_TARGET,
  parseCalibratorModel,
  reliabilitySvg,
  type CalibrationMethod,
  type CalibratorModel,
  type Label,
  type ProfileKind,
  type StageProfile,
  type ThresholdScale,
} from "../calibration/index";
import type { StageDiagnostics } from "../calibration/coverage-curve";
import type { ReliabilityPanel } from "../calibration/reliability-svg";
import { type RequestContext, requireObjectScope } from "../context";
import { ProblemError, pointer } from "../errors";
import type { CalibrationStore } from "../store/ports";
import { fingerprint } from "../store/fingerprint";
import type { Store } from "../store/ports";
import { computeScores } from "./scores";

/** Part of the profile id: a change in how profiles are fitted must not reuse old rows. */
const PROFILE_VERSION = "calibration-v2";

/**
 * What a profile's raw probability is: a pointwise evaluation's soft score (weighted p(YES), with
 * logprobs) or its weighted score (without), or a direct comparison's p(A wins). A map fitted on
 * one says nothing about another.
 */
export type ProfileSignal = "soft" | "weighted" | "p_a";

export interface ExampleInput {
  p?: number | undefined;
  p_a?: number | undefined;
  evaluation_id?: string | undefined;
  label: 0 | 1 | "a" | "b";
}

export interface CalibrationInput {
  name: string;
  kind: ProfileKind;
  examples?: ExampleInput[] | undefined;
  judge?: string | undefined;
  judges?: { model: string; examples: ExampleInput[] }[] | undefined;
  method?: CalibrationMethod | undefined;
  /** Cascade only: stage k uses the mean raw probability of judges 0..k. */
  pooled?: boolean | undefined;
  target?: { alpha: number; delta: number } | undefined;
  /** Pointwise: which score the `p` examples are (default soft); evaluation examples say it themselves. */
  signal?: "soft" | "weighted" | undefined;
}

/** A judge's fit as the API shows it; profiles stored before diagnostics and per-judge errors were kept lack them. */
type StageView = Omit<StageProfile, "model" | "n_errors"> & { calibrator: CalibratorModel } & Partial<StageDiagnostics> &
  Partial<Pick<StageProfile, "n_errors">>;

export interface CalibrationView {
  id: string;
  name: string;
  kind: ProfileKind;
  /** The first (or only) judge's fit; every judge's is in `judges`. */
  judge: string | null;
  method: StageProfile["method"];
  calibrated: boolean;
  n: number;
  raw_metrics: StageProfile["raw_metrics"];
  metrics: StageProfile["metrics"];
  reliability: StageProfile["reliability"];
  threshold: StageProfile["threshold"];
  calibrator: CalibratorModel;
  target: { alpha: number; delta: number };
  /** The signal the profile was fitted on; null for a pointwise profile stored before profiles recorded it. */
  signal: ProfileSignal | null;
  /** What thresholds are compared with (profiles stored before this field: the calibrated confidence). */
  scale: ThresholdScale;
  /** Labels the maps were fitted on, and labels that certified the threshold. */
  fitted_on: number;
  certified_on: number;
  pooled: boolean;
  judges: StageView[];
  cascade: boolean;
  /** Over the calibration items with every judge's threshold applied in order. */
  coverage: number;
  agreement: number | null;
}

/** Turns a library input error (`judges[1].examples`) into a 422 at a JSON Pointer (`/judges/1/examples`). */
function inputProblem(error: CalibrationInputError): ProblemError {
  const path = pointer(
    error.path
      .replace(/\[(\d+)\]/g, ".$1")
      .split(".")
      .filter((s) => s !== ""),
  );
  const message = error.message.slice(error.path.length + 2);
  return new ProblemError("validation_failed", `${path}: ${message}`, [{ path, message }]);
}

/** A 422 naming one field. */
export const invalid = (path: string, message: string) => new ProblemError("validation_failed", `${path}: ${message}`, [{ path, message }]);

/**
 * The raw pointwise signal of an evaluation: its soft score (weighted p(YES)) when the judge gave
 * logprobs for every item, else its weighted score (the pass rate under equal weights).
 */
export function evaluationSignal(scores: { soft: number | null; weighted: number }): { value: number; signal: "soft" | "weighted" } {
  return scores.soft === null ? { value: scores.weighted, signal: "weighted" } : { value: scores.soft, signal: "soft" };
}

/** Fitting, storing and reading calibration profiles. */
export class Calibrations {
  constructor(
    private readonly store: CalibrationStore,
    private readonly judgeStore: Store,
  ) {}

  async create(input: CalibrationInput, ctx: RequestContext): Promise<CalibrationView> {
    requireObjectScope(ctx, "calibration");
    if (input.pooled && !input.judges) throw invalid("/pooled", "pooling needs a cascade (judges)");
    const judges = input.judges
      ? input.judges.map((j, k) => ({ judge: j.model, examples: j.examples, path: `/judges/${k}/examples` }))
      : [{ judge: input.judge ?? null, examples: input.examples ?? [], path: "/examples" }];
    if (input.signal && input.kind === "pairwise") throw invalid("/signal", "a pairwise profile's signal is p_a");
    const data = [];
    for (const j of judges) {
      const resolved = await this.resolveExamples(input.kind, j.examples, j.path, ctx);
      data.push({ judge: gradedBy(j.judge, resolved.models, j.path), path: j.path, ...resolved });
    }
    // Evaluation examples name their signal; `p` examples are of the declared one (default soft).
    const signal: ProfileSignal = input.kind === "pairwise" ? "p_a" : (input.signal ?? data.flatMap((d) => d.signals).find((v) => v !== null) ?? "soft");
    for (const d of data) {
      const i = d.signals.findIndex((v) => v !== null && v !== signal);
      if (i >= 0) {
        const own = d.signals[i]!;
        throw invalid(
          `${d.path}/${i}/evaluation_id`,
          `its signal is the ${own} score (graded ${own === "soft" ? "with" : "without"} logprobs), but this profile's is the ${signal} score: one profile calibrates one signal`,
        );
      }
    }
    const first = data[0]!;
    data.forEach((d, k) => {
      if (d.y.length !== first.y.length) {
        throw invalid(`/judges/${k}/examples`, `must list the same ${first.y.length} items as /judges/0/examples`);
      }
      const i = d.y.findIndex((v, i) => v !== first.y[i]);
      if (i >= 0) throw invalid(`/judges/${k}/examples/${i}/label`, "differs from the label of the same item for the first judge");
    });
    const method = input.method ?? "auto";
    const target = input.target ?? { ...DEFAULT_TARGET };
    let summary: ReturnType<typeof buildProfile>;
    try {
      summary = buildProfile(input.kind, data, { method, target, pooled: input.pooled ?? false });
    } catch (error) {
      if (error instanceof CalibrationInputError) throw inputProblem(error);
      throw error;
    }
    const fp = await fingerprint({
      tenant: ctx.tenant,
      kind: "calibration",
      version: PROFILE_VERSION,
      name: input.name,
      profile_kind: input.kind,
      method,
      target,
      pooled: summary.pooled,
      signal,
      judges: data.map((d) => ({ judge: d.judge, p: d.p, y: d.y })),
    });
    const id = `cb_${fp.slice(0, 32)}`;
    const stages = summary.stages.map(({ model, ...rest }) => ({ ...rest, calibrator: model }));
    const s0 = stages[0]!;
    const view: CalibrationView = {
      id,
      name: input.name,
      kind: input.kind,
      judge: s0.judge,
      method: s0.method,
      calibrated: s0.calibrated,
      n: s0.n,
      raw_metrics: s0.raw_metrics,
      metrics: s0.metrics,
      reliability: s0.reliability,
      threshold: s0.threshold,
      calibrator: s0.calibrator,
      target: summary.target,
      signal,
      scale: summary.scale,
      fitted_on: summary.fitted_on,
      certified_on: summary.certified_on,
      pooled: summary.pooled,
      judges: stages,
      cascade: stages.length > 1,
      coverage: summary.coverage,
      agreement: summary.agreement,
    };
    const row = await this.store.putCalibration({ id, tenant: ctx.tenant, name: input.name, kind: input.kind, profile: view });
    return row.profile as CalibrationView;
  }

  /** A stored profile; `path` names the request field that carried the id, if any. */
  async byId(id: string, ctx: RequestContext, path?: string): Promise<CalibrationView> {
    requireObjectScope(ctx, "calibration");
    const row = await this.store.calibrationById(ctx.tenant, id);
    if (!row) {
      throw new ProblemError("not_found", `no calibration with id ${id}`, path ? [{ path, message: "no calibration with this id" }] : undefined);
    }
    const view = row.profile as CalibrationView;
    // Stored JSON is re-checked before it is applied to anyone's signal.
    for (const [k, s] of view.judges.entries()) s.calibrator = parseCalibratorModel(s.calibrator, `judges[${k}].calibrator`);
    // Profiles stored before these fields: a pairwise signal can only have been p_a; a pointwise
    // one is unknown, so no evaluation's signal is taken for it. Their thresholds were certified
    // on the calibrated confidence.
    view.signal ??= view.kind === "pairwise" ? "p_a" : null;
    view.scale ??= "calibrated";
    return view;
  }

  /**
   * The reliability diagram of one judge: its raw signal beside its held-out calibrated
   * predictions (one panel when nothing was fitted, or the profile predates raw bins).
   */
  async reliabilitySvg(id: string, judge: number | undefined, ctx: RequestContext): Promise<string> {
    const view = await this.byId(id, ctx);
    const stage = view.judges[judge ?? 0];
    if (!stage) throw invalid("/judge", `must be below ${view.judges.length}, the number of judges`);
    const label = stage.judge ? ` (${stage.judge})` : "";
    const raw: ReliabilityPanel = { label: "Raw signal", bins: stage.raw_reliability ?? [], ece: stage.raw_metrics.ece, level: stage.raw_metrics.level };
    const calibrated: ReliabilityPanel = {
      label: stage.calibrated ? `Calibrated (${stage.method}, held-out)` : "Raw signal (not calibrated)",
      bins: stage.reliability,
      ece: stage.metrics.ece,
      level: stage.metrics.level,
    };
    const panels = stage.calibrated && stage.raw_reliability ? [raw, calibrated] : [calibrated];
    return reliabilitySvg(panels, { title: `${view.name}${label}: ${stage.method}, n = ${stage.n}` });
  }

  /** Each example's signal and label; `signals` names the signal of each evaluation example (null for `p`, `p_a`). */
  private async resolveExamples(
    kind: ProfileKind,
    examples: ExampleInput[],
    path: string,
    ctx: RequestContext,
  ): Promise<{ p: number[]; y: Label[]; signals: ("soft" | "weighted" | null)[]; models: (string | null)[] }> {
    const p: number[] = [];
    const y: Label[] = [];
    const signals: ("soft" | "weighted" | null)[] = [];
    const models: (string | null)[] = [];
    for (const [i, ex] of examples.entries()) {
      const at = `${path}/${i}`;
      const given = (["p", "p_a", "evaluation_id"] as const).filter((k) => ex[k] !== undefined);
      if (given.length !== 1) throw invalid(at, "give exactly one of p, p_a or evaluation_id");
      if (kind === "pairwise") {
        if (ex.p_a === undefined) throw invalid(`${at}/${given[0]}`, "pairwise examples give p_a, the probability that response A wins");
        if (ex.label !== "a" && ex.label !== "b") throw invalid(`${at}/label`, 'pairwise labels are "a" or "b"');
        p.push(ex.p_a);
        y.push(ex.label === "a" ? 1 : 0);
        signals.push(null);
        models.push(null);
        continue;
      }
      if (ex.p_a !== undefined) throw invalid(`${at}/p_a`, "pointwise examples give p or evaluation_id");
      if (ex.label !== 0 && ex.label !== 1) throw invalid(`${at}/label`, "pointwise labels are 0 or 1");
      const stored = ex.p === undefined ? await this.storedSignal(ex.evaluation_id!, `${at}/evaluation_id`, ctx) : null;
      p.push(stored?.value ?? ex.p!);
      signals.push(stored?.signal ?? null);
      models.push(stored?.model ?? null);
      y.push(ex.label);
    }
    return { p, y, signals, models };
  }

  private async storedSignal(id: string, path: string, ctx: RequestContext): Promise<{ value: number; signal: "soft" | "weighted"; model: string }> {
    requireObjectScope(ctx, "evaluation");
    const row = await this.judgeStore.evaluationById(ctx.tenant, id);
    const checklist = row && (await this.judgeStore.checklistById(ctx.tenant, row.checklistId));
    if (!row || !checklist) throw new ProblemError("not_found", `${path}: no evaluation with id ${id}`, [{ path, message: "no evaluation with this id" }]);
    return { ...evaluationSignal(computeScores(checklist.items, row.results)), model: row.model };
  }
}

/**
 * The judge model a profile's examples come from: the one named, which every evaluation example
 * must have been graded by, or else the one that graded them. A profile applies its map to the
 * probabilities of the model it names (evaluations under it are graded by that model), and a map
 * fitted to one model's probabilities says nothing about another's.
 */
function gradedBy(named: string | null, models: ReadonlyArray<string | null>, path: string): string | null {
  const judge = named ?? models.find((m) => m !== null) ?? null;
  const i = models.findIndex((m) => m !== null && m !== judge);
  if (i >= 0) {
    const why = named === null ? `the earlier evaluation examples were graded by ${judge}` : `this profile's judge is ${judge}`;
    throw invalid(`${path}/${i}/evaluation_id`, `graded by ${models[i]}, but ${why}: one profile calibrates one judge model`);
  }
  return judge;
}
