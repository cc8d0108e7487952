import { ProblemError } from "../errors";
import type { StructuredOutputMode } from "../llm/openai-client";
import type { LlmClient } from "../llm/types";
import type { Metrics } from "../metrics";
import type { ChecklistRow, EvaluationRow, Store } from "../store/store";
import { addUsage, noUsage, type Usage } from "./ask";
import { ResultCache } from "./cache";
import {
  type ChecklistItemInput,
  DEFAULT_MAX_ITEMS,
  generateChecklistRow,
  generationFingerprint,
  providedChecklistRow,
} from "./checklists";
import { gradeResponse, gradingFingerprint } from "./grading";
import { computeScores, hasPassed } from "./scores";

export interface JudgeDeps {
  store: Store;
  metrics: Metrics;
  /** Null when no upstream is configured; `missingUpstream` then names the variables to set. */
  llm: LlmClient | null;
  missingUpstream: string[];
  judgeModel: string | null;
  checklistModel: string | null;
  structuredOutput: StructuredOutputMode;
  passThreshold: number;
}

export interface ChecklistInput {
  instruction: string;
  context?: string | null | undefined;
  max_items?: number | undefined;
  items?: ChecklistItemInput[] | undefined;
}

/** What a judging request says about its checklist: stored, inline, or none (generated). */
export interface ChecklistSource {
  instruction: string;
  context?: string | null | undefined;
  checklist_id?: string | undefined;
  checklist?: { items: ChecklistItemInput[] } | undefined;
  max_items?: number | undefined;
}

export interface EvaluationInput extends ChecklistSource {
  response: string;
  pass_threshold?: number | undefined;
  /** Grade with this judge model instead of the configured one (a cascade's later judges). */
  model?: string | undefined;
}

export type ChecklistView = ReturnType<typeof checklistView>;
export type EvaluationView = ReturnType<typeof evaluationView>;

export function checklistView(row: ChecklistRow, cached: boolean, usage: Usage) {
  return {
    id: row.id,
    instruction: row.instruction,
    context: row.context ?? null,
    items: row.items,
    source: row.source,
    model: row.model ?? null,
    prompt_version: row.promptVersion ?? null,
    cached,
    usage,
  };
}

export function evaluationView(row: EvaluationRow, checklist: ChecklistRow, cached: boolean, usage: Usage, threshold: number) {
  const scores = computeScores(checklist.items, row.results);
  return {
    id: row.id,
    checklist: { id: checklist.id, items: checklist.items },
    results: row.results,
    signal: row.signal,
    scores,
    passed: hasPassed(checklist.items, row.results, scores.weighted, threshold),
    pass_threshold: threshold,
    model: row.model,
    prompt_version: row.promptVersion,
    cached,
    usage,
  };
}

/** The judging service: checklists and evaluations over the two ports, with no HTTP in sight. */
export class Judge {
  private readonly cache: ResultCache;

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
      throw new ProblemError(
        "upstream_not_configured",
        `this request needs an upstream model; set ${missingUpstream.join(" and ")} and restart`,
      );
    }
    return { llm, judgeModel, checklistModel };
  }

  /** A checklist: the caller's items stored as given, or generated (and cached) from the instruction. */
  async checklist(input: ChecklistInput): Promise<{ row: ChecklistRow; cached: boolean; usage: Usage }> {
    const context = input.context ?? null;
    if (input.items) {
      const row = await providedChecklistRow({ instruction: input.instruction, context, items: input.items });
      const existing = await this.deps.store.checklistByFingerprint(row.fingerprint);
      return { row: existing ?? (await this.deps.store.putChecklist(row)), cached: existing !== undefined, usage: noUsage() };
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
      fp,
      () => this.deps.store.checklistByFingerprint(fp),
      async () => {
        const { llm } = this.upstream();
        return this.deps.store.putChecklist(await generateChecklistRow(llm, generation, fp));
      },
    );
    return { row, cached: !computed, usage: computed ? row.usage : noUsage() };
  }

  async checklistById(id: string): Promise<ChecklistRow> {
    const row = await this.deps.store.checklistById(id);
    if (!row) throw new ProblemError("not_found", `no checklist with id ${id}`);
    return row;
  }

  /** The checklist a request names: stored (`checklist_id`), inline, or generated once and cached. */
  async resolveChecklist(input: ChecklistSource & { context: string | null }): Promise<{ row: ChecklistRow; usage: Usage }> {
    if (input.checklist_id) {
      const row = await this.deps.store.checklistById(input.checklist_id);
      if (!row) {
        throw new ProblemError("not_found", `no checklist with id ${input.checklist_id}`, [
          { path: "/checklist_id", message: "no checklist with this id" },
        ]);
      }
      return { row, usage: noUsage() };
    }
    const made = await this.checklist({
      instruction: input.instruction,
      context: input.context,
      max_items: input.max_items,
      items: input.checklist?.items,
    });
    return { row: made.row, usage: made.usage };
  }

  /** One response graded against a checklist: from the store, or one upstream call, single-flight. */
  async grade(
    checklist: ChecklistRow,
    input: { instruction: string; context: string | null; response: string; model?: string | undefined },
  ): Promise<{ row: EvaluationRow; computed: boolean; usage: Usage }> {
    const { model, ...texts } = input;
    const grading = { checklist, ...texts, model: model ?? this.deps.judgeModel ?? "", params: this.params };
    const fp = await gradingFingerprint(grading);
    const { row, computed } = await this.cache.getOrCompute(
      "grading",
      fp,
      () => this.deps.store.evaluationByFingerprint(fp),
      async () => {
        const { llm } = this.upstream();
        return this.deps.store.putEvaluation(await gradeResponse(llm, grading, fp));
      },
    );
    return { row, computed, usage: computed ? row.usage : noUsage() };
  }

  /** Grades a response against a stored, inline or generated checklist. */
  async evaluate(input: EvaluationInput): Promise<EvaluationView> {
    const context = input.context ?? null;
    const checklist = await this.resolveChecklist({ ...input, context });
    const graded = await this.grade(checklist.row, {
      instruction: input.instruction,
      context,
      response: input.response,
      model: input.model,
    });
    const usage = addUsage(checklist.usage, graded.usage);
    return evaluationView(graded.row, checklist.row, !graded.computed, usage, input.pass_threshold ?? this.deps.passThreshold);
  }

  async evaluationById(id: string): Promise<EvaluationView> {
    const row = await this.deps.store.evaluationById(id);
    if (!row) throw new ProblemError("not_found", `no evaluation with id ${id}`);
    const checklist = await this.checklistById(row.checklistId);
    return evaluationView(row, checklist, true, noUsage(), this.deps.passThreshold);
  }
}
