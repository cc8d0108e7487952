import { ProblemError } from "../errors";
import { type RequestContext, upstreamCall } from "../context";
import { evaluationId } from "../store/evaluation-ids";
import type { Metrics } from "../metrics";
import { fingerprint } from "../store/fingerprint";
import type { PairwiseStore } from "../store/ports";
import type { ChecklistRecord, GradingRecord } from "../store/records";
import { addUsage, noUsage, type Usage } from "../llm/usage";
import { ResultCache } from "./cache";
import type { ChecklistSource, Judge } from "./judge";
import { type FailedItem, REVISION_PROMPT_VERSION, revisionMessages } from "./pairwise-prompts";
import { compareStandings, rankCandidates, type Standing } from "./ranking";

const DEFAULT_MAX_ROUNDS = 3;

export interface RefinementInput extends ChecklistSource {
  response: string;
  max_rounds?: number | undefined;
}

interface Round {
  /** 0 is the response as given; round r grades the revision written in round r. */
  round: number;
  response: string;
  evaluation_id: string;
  scores: Standing["scores"];
  must_pass_met: boolean;
  passed: boolean;
  failed_items: FailedItem[];
}

type StopReason = "all_passed" | "no_improvement" | "max_rounds";

export interface RefinementView {
  checklist_id: string;
  rounds: Round[];
  best: Round;
  stop_reason: StopReason;
  reviser_model: string;
  usage: Usage;
}

/**
 * A graded round's standing. Rounds are compared on verdicts alone (compareStandings without the
 * soft score: the must-pass line, then the weighted score): improvement is judged on what the
 * judge answered, not on its confidence.
 */
function standingOf(checklist: ChecklistRecord, graded: GradingRecord, threshold: number): Standing {
  return rankCandidates([{ index: 0, items: checklist.items, results: graded.results }], threshold).standings[0]!;
}

/**
 * Self-refinement from checklist feedback (STICK, Cook et al., 2024): grade, hand the failed items
 * and their rationales to the reviser, grade the revision; stop when every item passes, when a
 * revision does not rank above the response it revised, or after `max_rounds` revisions. `best` is
 * the highest-ranked round, the original on ties, so it is never worse than the original.
 */
export class Refinements {
  private readonly cache: ResultCache;

  constructor(private readonly deps: { judge: Judge; store: PairwiseStore; metrics: Metrics; reviserModel: string | null }) {
    this.cache = new ResultCache(deps.metrics);
  }

  async refine(input: RefinementInput, ctx: RequestContext): Promise<RefinementView> {
    const { judge } = this.deps;
    const context = input.context ?? null;
    const maxRounds = input.max_rounds ?? DEFAULT_MAX_ROUNDS;
    const checklist = await judge.resolveChecklist({ ...input, context }, ctx);
    const text = { instruction: input.instruction, context };
    let usage = checklist.usage;
    const gradeRound = async (round: number, response: string): Promise<Round & { standing: Standing }> => {
      const graded = await judge.grade(checklist.row, { ...text, response }, ctx);
      usage = addUsage(usage, graded.usage);
      const standing = standingOf(checklist.row, graded.row, judge.passThreshold);
      const failed_items = checklist.row.items.flatMap((item, i) => {
        const result = graded.row.results[i]!;
        return result.verdict === "NO" ? [{ item_id: item.id, question: item.question, rationale: result.rationale }] : [];
      });
      return {
        round,
        response,
        evaluation_id: evaluationId(graded.row.id, judge.passThreshold),
        scores: standing.scores,
        must_pass_met: standing.must_pass_met,
        passed: standing.passed,
        failed_items,
        standing,
      };
    };

    const rounds = [await gradeRound(0, input.response)];
    let current = rounds[0]!;
    let best = current;
    let stop: StopReason = "max_rounds";
    for (let round = 1; ; round++) {
      if (current.failed_items.length === 0) {
        stop = "all_passed";
        break;
      }
      if (round > maxRounds) break;
      const revised = await this.revise({ ...text, response: current.response, failed: current.failed_items }, ctx);
      usage = addUsage(usage, revised.usage);
      const next = await gradeRound(round, revised.text);
      rounds.push(next);
      if (compareStandings(next.standing, current.standing) >= 0) {
        stop = "no_improvement";
        break;
      }
      current = next;
      if (compareStandings(next.standing, best.standing) < 0) best = next;
    }
    const view = ({ standing: _, ...round }: Round & { standing: Standing }): Round => round;
    return {
      checklist_id: checklist.row.id,
      rounds: rounds.map(view),
      best: view(best),
      stop_reason: stop,
      reviser_model: this.reviserModel,
      usage,
    };
  }

  /** TICKBOX_REVISER_MODEL, else the judge model. */
  private get reviserModel(): string {
    return this.deps.reviserModel ?? this.deps.judge.upstreamModel();
  }

  /** A revision as plain text, cached by the fingerprint of the response and its feedback. */
  private async revise(input: { instruction: string; context: string | null; response: string; failed: FailedItem[] }, ctx: RequestContext) {
    const model = this.reviserModel;
    const params = { temperature: 0 };
    const tenant = this.deps.judge.cacheTenant(ctx);
    const fp = await fingerprint({
      kind: "revision",
      prompt_version: REVISION_PROMPT_VERSION,
      model,
      params,
      instruction: input.instruction,
      context: input.context,
      response: input.response,
      failed: input.failed.map((f) => ({ question: f.question, rationale: f.rationale })),
    });
    const { row, computed } = await this.cache.getOrCompute(
      "revision",
      `${tenant}:${fp}`,
      () => this.deps.store.revisionByFingerprint(tenant, fp),
      async () => {
        const { llm } = this.deps.judge.upstream();
        const result = await llm.complete({
          model,
          messages: revisionMessages(input),
          temperature: params.temperature,
          logprobs: false,
          ...upstreamCall(ctx),
        });
        const revision = result.content.trim();
        if (!revision) throw new ProblemError("upstream_invalid_output", "the reviser answered with an empty revision");
        return this.deps.store.putRevision({
          tenant,
          fingerprint: fp,
          revision,
          model,
          promptVersion: REVISION_PROMPT_VERSION,
          usage: { upstream_calls: 1, ...result.usage },
        });
      },
    );
    if (!computed) ctx.meter.hit(row.usage);
    return { text: row.revision, usage: computed ? row.usage : noUsage() };
  }
}
