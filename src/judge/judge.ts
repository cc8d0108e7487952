import { type RequestContext, requireObjectScope } from "../context";
import { ProblemError } from "../errors";
import type { LlmClient, StructuredOutputMode } from "../llm/types";
import type { Metrics } from "../metrics";
import { parseEvaluationId } from "../store/evaluation-ids";
import { fingerprint } from "../store/fingerprint";
import type { ChecklistRecord, GradingRecord } from "../store/records";
import type { Store } from "../store/ports";
import { addUsage, noUsage, type Usage } from "../llm/usage";
import { ResultCache } from "./cache";
import type { ChecklistInput, ChecklistSource, EvaluationInput } from "./inputs";
import { DEFAULT_MAX_ITEMS, generateChecklist, generationFingerprint, providedChecklist } from "./checklists";
import { gradeResponse, gradingFingerprint } from "./grading";
import { type EvaluationView, evaluationView, storedEvaluationView } from "./views";

export interface JudgeDeps {
  store: Store;
  metrics: Metrics;
  /** Null when no upstream is configured; `missingUpstream` then names the variables to set. */
  llm: LlmClient | null;
  missingUpstream: string[];
  judgeModel: string | null;
  /** The models a request may name as its judge (the judge model among them). */
  judgeModels: string[];
  checklistModel: string | null;
  structuredOutput: StructuredOutputMode;
  passThreshold: number;
  /** "tenant": each tenant's results are its own; "global": a result computed for one is reused for all. */
  cacheScope: "tenant" | "global";
}

export type { ChecklistInput, ChecklistSource, EvaluationInput } from "./inputs";
export { checklistView, type EvaluationView } from "./views";

/** The judging service: checklists and evaluations over the two ports, with no HTTP in sight. */
export class Judge {
  private readonly cache: ResultCache;
  // Checklist rows never change once stored, so the ones in use (a batch grades many responses
  // against one) are kept in memory, small ones only, a bounded number.
  private readonly checklistRows = new Map<string, ChecklistRecord>();
  // A caller's own checklist, by the exact items it sent: a request that names inline items again
  // (a pipeline grading many responses against one checklist does) skips two hashes.
  private readonly providedRows = new Map<string, ChecklistRecord>();

  constructor(private readonly deps: JudgeDeps) {
    this.cache = new ResultCache(deps.metrics);
  }

  /** The sampling parameters every judge call uses; part of every cache key. */
  get params() {
    return { temperature: 0, structured_output: this.deps.structuredOutput };
  }

  get passThreshold(): number {
    return this.deps.passThreshold;
  }

  /** The judge model named in cache keys ("" when none is configured: nothing can then be computed). */
  upstreamModel(): string {
    return this.deps.judgeModel ?? "";
  }

  /** The configured upstream, or a 503 naming the variables to set. */
  upstream(): { llm: LlmClient; judgeModel: string; checklistModel: string } {
    const { llm, judgeModel, checklistModel, missingUpstream } = this.deps;
    if (!llm || !judgeModel || !checklistModel) {
      throw new ProblemError("upstream_not_configured", `this request needs an upstream model; set ${missingUpstream.join(" and ")} and restart`);
    }
    return { llm, judgeModel, checklistModel };
  }

  /** The tenant part of a cache key: the tenant's own, or shared by all under a global cache scope. */
  cacheTenant(ctx: RequestContext): string {
    return this.deps.cacheScope === "global" ? "*" : ctx.tenant;
  }

  private rememberChecklist(row: ChecklistRecord): ChecklistRecord {
    if (row.instruction.length + (row.context?.length ?? 0) > 16_384) return row;
    if (this.checklistRows.size >= 1_000) this.checklistRows.delete(this.checklistRows.keys().next().value!);
    this.checklistRows.set(`${row.tenant}\n${row.fingerprint}`, row);
    return row;
  }

  /** The tenant's checklist with this fingerprint, from memory when it was seen lately. */
  private checklistByFingerprint = async (tenant: string, fp: string): Promise<ChecklistRecord | undefined> => {
    const known = this.checklistRows.get(`${tenant}\n${fp}`);
    if (known) return known;
    const row = await this.deps.store.checklistByFingerprint(tenant, fp);
    return row && this.rememberChecklist(row);
  };

  /** Ids derive from tenant and fingerprint: the same for the same inputs in every process and runtime. */
  private async scopedId(prefix: string, tenant: string, fp: string): Promise<string> {
    return `${prefix}_${(await fingerprint({ tenant, fingerprint: fp })).slice(0, 32)}`;
  }

  /**
   * The tenant's stored row for a fingerprint, or (global cache scope) another tenant's result
   * copied in for this tenant, so that sharing a result never shares an object.
   */
  private async lookup<Row extends ChecklistRecord | GradingRecord>(
    prefix: string,
    ctx: RequestContext,
    fp: string,
    own: (tenant: string, fp: string) => Promise<Row | undefined>,
    any: (fp: string) => Promise<Row | undefined>,
    put: (row: Omit<Row, "createdAt">) => Promise<Row>,
    adapt: (row: Omit<Row, "createdAt">) => Omit<Row, "createdAt"> = (row) => row,
  ): Promise<Row | undefined> {
    const found = await own(ctx.tenant, fp);
    if (found || this.deps.cacheScope === "tenant") return found;
    const shared = await any(fp);
    if (!shared) return undefined;
    const { createdAt: _, ...copy } = shared;
    return put(adapt({ ...copy, id: await this.scopedId(prefix, ctx.tenant, fp), tenant: ctx.tenant }));
  }

  /** A checklist: the caller's items stored as given, or generated (and cached) from the instruction. */
  async checklist(input: ChecklistInput, ctx: RequestContext): Promise<{ row: ChecklistRecord; cached: boolean; usage: Usage }> {
    requireObjectScope(ctx, "checklist");
    const { store } = this.deps;
    const context = input.context ?? null;
    if (input.items) {
      const sent = `${ctx.tenant}\n${JSON.stringify([input.instruction, context, input.items])}`;
      const known = this.providedRows.get(sent);
      if (known) return { row: known, cached: true, usage: noUsage() };
      const made = await providedChecklist({ instruction: input.instruction, context, items: input.items });
      const existing = await this.checklistByFingerprint(ctx.tenant, made.fingerprint);
      const row =
        existing ??
        this.rememberChecklist(await store.putChecklist({ ...made, id: await this.scopedId("cl", ctx.tenant, made.fingerprint), tenant: ctx.tenant }));
      if (sent.length <= 16_384) {
        if (this.providedRows.size >= 1_000) this.providedRows.delete(this.providedRows.keys().next().value!);
        this.providedRows.set(sent, row);
      }
      return { row, cached: existing !== undefined, usage: noUsage() };
    }
    const generation = {
      instruction: input.instruction,
      context,
      maxItems: input.max_items ?? DEFAULT_MAX_ITEMS,
      model: this.deps.checklistModel ?? "",
      params: this.params,
    };
    const fp = await generationFingerprint(generation);
    const { row, computed } = await this.cache.getOrCompute(
      "checklist",
      `${ctx.tenant}:${fp}`,
      () => this.lookup("cl", ctx, fp, this.checklistByFingerprint, store.anyChecklistByFingerprint, store.putChecklist),
      async () => {
        const { llm } = this.upstream();
        const generated = await generateChecklist(llm, generation, fp, ctx);
        return store.putChecklist({ ...generated, id: await this.scopedId("cl", ctx.tenant, fp), tenant: ctx.tenant });
      },
    );
    // Upstream attempts book themselves to the meter (see the LLM client); a hit books its savings.
    if (!computed) ctx.meter.hit(row.usage);
    return { row, cached: !computed, usage: computed ? row.usage : noUsage() };
  }

  /** The tenant's checklist; `path` names the request field that carried the id, if any. */
  async checklistById(id: string, ctx: RequestContext, path?: string): Promise<ChecklistRecord> {
    requireObjectScope(ctx, "checklist");
    const row = await this.deps.store.checklistById(ctx.tenant, id);
    if (!row) throw new ProblemError("not_found", `no checklist with id ${id}`, path ? [{ path, message: "no checklist with this id" }] : undefined);
    return row;
  }

  /** The checklist a request names: stored (`checklist_id`), inline, or generated once and cached. */
  async resolveChecklist(input: ChecklistSource & { context: string | null }, ctx: RequestContext): Promise<{ row: ChecklistRecord; usage: Usage }> {
    if (input.checklist_id) {
      requireObjectScope(ctx, "checklist");
      const row = await this.deps.store.checklistById(ctx.tenant, input.checklist_id);
      if (!row) {
        throw new ProblemError("not_found", `no checklist with id ${input.checklist_id}`, [{ path: "/checklist_id", message: "no checklist with this id" }]);
      }
      return { row, usage: noUsage() };
    }
    const made = await this.checklist(
      { instruction: input.instruction, context: input.context, max_items: input.max_items, items: input.checklist?.items },
      ctx,
    );
    return { row: made.row, usage: made.usage };
  }

  /** One response graded against a checklist: from the store, or one upstream call, single-flight. */
  async grade(
    checklist: ChecklistRecord,
    input: { instruction: string; context: string | null; response: string; model?: string | undefined },
    ctx: RequestContext,
  ): Promise<{ row: GradingRecord; computed: boolean; usage: Usage }> {
    requireObjectScope(ctx, "evaluation");
    const { store } = this.deps;
    const { model, ...texts } = input;
    const grading = { checklist, ...texts, model: model ?? this.deps.judgeModel ?? "", params: this.params };
    const fp = await gradingFingerprint(grading);
    const { row, computed } = await this.cache.getOrCompute(
      "grading",
      `${ctx.tenant}:${fp}`,
      () =>
        this.lookup("ev", ctx, fp, store.gradingByFingerprint, store.anyGradingByFingerprint, store.putGrading, (row) => ({
          ...row,
          checklistId: checklist.id, // the tenant's own copy of the same checklist
        })),
      async () => {
        const { llm } = this.upstream();
        const graded = await gradeResponse(llm, grading, fp, ctx);
        return store.putGrading({ ...graded, id: await this.scopedId("ev", ctx.tenant, fp), tenant: ctx.tenant });
      },
    );
    if (!computed) ctx.meter.hit(row.usage);
    return { row, computed, usage: computed ? row.usage : noUsage() };
  }

  /**
   * The judge a request names, if the server allows it (TICKBOX_JUDGE_MODELS): a 400 at `path`
   * otherwise, naming the models it may name. A caller can thus grade the same items with each judge
   * of a cascade before fitting it; what a judge grades is cached under its own name.
   */
  judgeNamed(name: string | undefined, path: string): string | undefined {
    if (name === undefined || this.deps.judgeModels.includes(name)) return name;
    const allowed =
      this.deps.judgeModels.length > 0 ? `this server grades with ${this.deps.judgeModels.join(", ")}` : "this server has no judge model configured";
    const message = `${allowed}, not ${name}; the operator allows more in TICKBOX_JUDGE_MODELS`;
    throw new ProblemError("validation_failed", `${path}: ${message}`, [{ path, message }]);
  }

  /** Whether the server may ask this judge model (none named: the configured one). */
  allows(model: string | null | undefined): boolean {
    return model == null || this.deps.judgeModels.includes(model);
  }

  /** Grades a response against a stored, inline or generated checklist, at the request's pass threshold. */
  async evaluate(input: EvaluationInput, ctx: RequestContext): Promise<EvaluationView> {
    const context = input.context ?? null;
    const model = input.model ?? this.judgeNamed(input.judge, "/judge");
    const checklist = await this.resolveChecklist({ ...input, context }, ctx);
    const graded = await this.grade(checklist.row, { instruction: input.instruction, context, response: input.response, model }, ctx);
    const usage = addUsage(checklist.usage, graded.usage);
    return evaluationView(graded.row, checklist.row, !graded.computed, usage, input.pass_threshold ?? this.deps.passThreshold);
  }

  /**
   * A stored evaluation, judged at the threshold its id names — exactly what the request that made
   * it answered, but for `cached` and `usage` — with the instruction, context and response it
   * graded. A bare grading id is judged at TICKBOX_PASS_THRESHOLD.
   */
  async evaluationById(id: string, ctx: RequestContext): Promise<ReturnType<typeof storedEvaluationView>> {
    requireObjectScope(ctx, "evaluation");
    const named = parseEvaluationId(id);
    const row = named && (await this.deps.store.evaluationById(ctx.tenant, named.gradingId));
    if (!named || !row) throw new ProblemError("not_found", `no evaluation with id ${id}`);
    const checklist = await this.checklistById(row.checklistId, ctx);
    return storedEvaluationView(row, checklist, noUsage(), named.threshold ?? this.deps.passThreshold, named.threshold === null ? row.id : undefined);
  }
}
