import {
  buildProfile,
  CalibrationInputError,
  DEFAULT_TARGET,
  parseCalibratorModel,
  pooledSignal,
  reliabilitySvg,
  type CalibrationMethod,
  type CalibratorModel,
  type Label,
  type ProfileKind,
  type StageProfile,
} from "../calibration/index";
import { type StageDiagnostics, stageDiagnostics } from "../calibration/coverage-curve";
import type { ReliabilityPanel } from "../calibration/reliability-svg";
import { DEFAULT_SCOPE, type RequestScope } from "../usage/meter";
import { ProblemError, pointer } from "../errors";
import type { CalibrationStore } from "../store/calibration-store";
import { fingerprint } from "../store/fingerprint";
import type { Store } from "../store/store";
import { computeScores } from "./scores";

/** Part of the profile id: a change in how profiles are fitted must not reuse old rows. */
export const PROFILE_VERSION = "calibration-v1";

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
}

/** A judge's fit as the API shows it; profiles stored before diagnostics were kept lack them. */
export type StageView = Omit<StageProfile, "model"> & { calibrator: CalibratorModel } & Partial<StageDiagnostics>;

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
  pooled: boolean;
  judges: StageView[];
  cascade: boolean;
  /** Over the calibration items with every judge's threshold applied in order. */
  coverage: number;
  agreement: number | null;
}

/** Turns a library input error (`judges[1].examples`) into a 422 at a JSON Pointer (`/judges/1/examples`). */
export function inputProblem(error: CalibrationInputError): ProblemError {
  const path = pointer(error.path.replace(/\[(\d+)\]/g, ".$1").split(".").filter((s) => s !== ""));
  const message = error.message.slice(error.path.length + 2);
  return new ProblemError("validation_failed", `${path}: ${message}`, [{ path, message }]);
}

/** A 422 naming one field. */
export const invalid = (path: string, message: string) =>
  new ProblemError("validation_failed", `${path}: ${message}`, [{ path, message }]);

/**
 * The raw pointwise signal of a stored evaluation: its soft score (weighted p(YES)) when the judge
 * gave logprobs, else its weighted score (the pass rate under equal weights).
 */
export function evaluationSignal(scores: { soft: number | null; weighted: number }): number {
  return scores.soft ?? scores.weighted;
}

/** Fitting, storing and reading calibration profiles. */
export class Calibrations {
  constructor(
    private readonly store: CalibrationStore,
    private readonly judgeStore: Store,
  ) {}

  async create(input: CalibrationInput, scope: RequestScope = DEFAULT_SCOPE): Promise<CalibrationView> {
    if (input.pooled && !input.judges) throw invalid("/pooled", "pooling needs a cascade (judges)");
    const judges = input.judges
      ? input.judges.map((j, k) => ({ judge: j.model, examples: j.examples, path: `/judges/${k}/examples` }))
      : [{ judge: input.judge ?? null, examples: input.examples ?? [], path: "/examples" }];
    const data = [];
    for (const j of judges) data.push({ judge: j.judge, ...(await this.resolveExamples(input.kind, j.examples, j.path, scope)) });
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
    let summary;
    try {
      summary = buildProfile(input.kind, data, { method, target, pooled: input.pooled ?? false });
    } catch (error) {
      if (error instanceof CalibrationInputError) throw inputProblem(error);
      throw error;
    }
    const fp = await fingerprint({
      tenant: scope.tenant,
      kind: "calibration",
      version: PROFILE_VERSION,
      name: input.name,
      profile_kind: input.kind,
      method,
      target,
      pooled: summary.pooled,
      judges: data.map((d) => ({ judge: d.judge, p: d.p, y: d.y })),
    });
    const id = `cb_${fp.slice(0, 32)}`;
    // What the viewer draws beside the fit: raw reliability and coverage against λ, from the
    // signals each judge was fitted on (for a pooled cascade, the mean of judges 0..k).
    const raws: number[][] = data.map((d) => d.p);
    const signals = raws.map((p, k) => (summary.pooled ? p.map((_, i) => pooledSignal(raws.slice(0, k + 1).map((r) => r[i]!))) : p));
    const stageModels = summary.stages.map((s) => ({ calibrator: s.model, threshold: s.threshold }));
    const diagnostics = stageDiagnostics(signals, first.y, stageModels, summary.target.delta);
    const stages = summary.stages.map(({ model, ...rest }, k) => ({ ...rest, calibrator: model, ...diagnostics[k]! }));
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
      pooled: summary.pooled,
      judges: stages,
      cascade: stages.length > 1,
      coverage: summary.coverage,
      agreement: summary.agreement,
    };
    const row = await this.store.putCalibration({ id, tenant: scope.tenant, name: input.name, kind: input.kind, profile: view });
    return row.profile as CalibrationView;
  }

  /** A stored profile; `path` names the request field that carried the id, if any. */
  async byId(id: string, scope: RequestScope = DEFAULT_SCOPE, path?: string): Promise<CalibrationView> {
    const row = await this.store.calibrationById(scope.tenant, id);
    if (!row) {
      throw new ProblemError("not_found", `no calibration with id ${id}`, path ? [{ path, message: "no calibration with this id" }] : undefined);
    }
    const view = row.profile as CalibrationView;
    // Stored JSON is re-checked before it is applied to anyone's signal.
    view.judges.forEach((s, k) => (s.calibrator = parseCalibratorModel(s.calibrator, `judges[${k}].calibrator`)));
    return view;
  }

  /**
   * The reliability diagram of one judge: its raw signal beside its held-out calibrated
   * predictions (one panel when nothing was fitted, or the profile predates raw bins).
   */
  async reliabilitySvg(id: string, judge = 0, scope: RequestScope = DEFAULT_SCOPE): Promise<string> {
    const view = await this.byId(id, scope);
    const stage = view.judges[judge];
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

  private async resolveExamples(
    kind: ProfileKind,
    examples: ExampleInput[],
    path: string,
    scope: RequestScope,
  ): Promise<{ p: number[]; y: Label[] }> {
    const p: number[] = [];
    const y: Label[] = [];
    for (const [i, ex] of examples.entries()) {
      const at = `${path}/${i}`;
      const given = (["p", "p_a", "evaluation_id"] as const).filter((k) => ex[k] !== undefined);
      if (given.length !== 1) throw invalid(at, "give exactly one of p, p_a or evaluation_id");
      if (kind === "pairwise") {
        if (ex.p_a === undefined) throw invalid(`${at}/${given[0]}`, "pairwise examples give p_a, the probability that response A wins");
        if (ex.label !== "a" && ex.label !== "b") throw invalid(`${at}/label`, 'pairwise labels are "a" or "b"');
        p.push(ex.p_a);
        y.push(ex.label === "a" ? 1 : 0);
        continue;
      }
      if (ex.p_a !== undefined) throw invalid(`${at}/p_a`, "pointwise examples give p or evaluation_id");
      if (ex.label !== 0 && ex.label !== 1) throw invalid(`${at}/label`, "pointwise labels are 0 or 1");
      p.push(ex.p ?? (await this.storedSignal(ex.evaluation_id!, `${at}/evaluation_id`, scope)));
      y.push(ex.label);
    }
    return { p, y };
  }

  private async storedSignal(id: string, path: string, scope: RequestScope): Promise<number> {
    const row = await this.judgeStore.evaluationById(scope.tenant, id);
    const checklist = row && (await this.judgeStore.checklistById(scope.tenant, row.checklistId));
    if (!row || !checklist) throw invalid(path, `no evaluation with id ${id}`);
    return evaluationSignal(computeScores(checklist.items, row.results));
  }
}
