import { choiceProbabilities, fieldOffsets } from "../llm/logprobs";
import type { RequestContext } from "../context";
import { evaluationId } from "../store/evaluation-ids";
import type { Metrics } from "../metrics";
import { fingerprint } from "../store/fingerprint";
import type { ComparisonRecord } from "../store/records";
import type { PairwiseStore } from "../store/ports";
import { askStructured } from "./ask";
import { addUsage, noUsage, type Usage } from "../llm/usage";
import { ResultCache } from "./cache";
import type { ChecklistSource, Judge } from "./judge";
import {
  COMPARISON_CHOICES,
  COMPARISON_PROMPT_VERSION,
  COMPARISON_SCHEMA_NAME,
  comparisonAnswerValidator,
  comparisonMessages,
  comparisonSchema,
} from "./pairwise-prompts";
import { settleAll } from "./settle";
import { rankCandidates, type Standing } from "./ranking";

type Side = "a" | "b";
type Winner = Side | "tie";

/** One ordered judgement, seen from the request's a and b. */
export interface OrderedVerdict {
  shown_first: Side;
  preferred: Side;
  /** p(a better) read at the answer token; null without logprobs. */
  p_a: number | null;
  rationale: string;
}

export interface DirectVerdict {
  winner: Winner;
  p_a: number | null;
  position_bias: boolean;
  orders: [OrderedVerdict, OrderedVerdict];
  usage: Usage;
}

/**
 * A side wins only if it wins with a shown first and with b shown first. When the two orders
 * disagree, the same position won both times: position decided the first verdict, and the result
 * is a tie with `position_bias`. p(a better) is the mean over both orders when both have one.
 */
export function combineOrders(aFirst: OrderedVerdict, bFirst: OrderedVerdict): Omit<DirectVerdict, "usage" | "orders"> {
  const agree = aFirst.preferred === bFirst.preferred;
  const p_a = aFirst.p_a !== null && bFirst.p_a !== null ? (aFirst.p_a + bFirst.p_a) / 2 : null;
  return { winner: agree ? aFirst.preferred : "tie", p_a, position_bias: !agree };
}

export interface ComparisonInput extends ChecklistSource {
  a: string;
  b: string;
  method?: "checklist" | "direct" | "both" | undefined;
  /** The judge the caller names (one the server allows: `Judge.judgeNamed`); the configured one if none. */
  judge?: string | undefined;
  /** Judge with this model instead of the configured one (a calibration profile's judge). */
  model?: string | undefined;
}

/** What a direct judgement is asked about, and (optionally) by which judge model. */
interface DirectInput {
  instruction: string;
  context: string | null;
  a: string;
  b: string;
  model?: string | undefined;
}

type SideScores = Pick<Standing, "scores" | "must_pass_met" | "passed"> & { evaluation_id: string };

export interface ComparisonView {
  winner: Winner;
  p_a: number | null;
  position_bias: boolean;
  method: "checklist" | "direct" | "both";
  checklist_id?: string;
  scores?: { a: SideScores; b: SideScores };
  checklist_winner?: Winner;
  orders?: [OrderedVerdict, OrderedVerdict];
  usage: Usage;
}

/** Pairwise comparison: by checklist scores (TICK), directly with the order swapped, or both. */
export class Comparisons {
  private readonly cache: ResultCache;

  constructor(private readonly deps: { judge: Judge; store: PairwiseStore; metrics: Metrics }) {
    this.cache = new ResultCache(deps.metrics);
  }

  async compare(input: ComparisonInput, ctx: RequestContext): Promise<ComparisonView> {
    const method = input.method ?? "checklist";
    const context = input.context ?? null;
    const model = input.model ?? this.deps.judge.judgeNamed(input.judge, "/judge");
    const [byChecklist, direct] = await settleAll([
      method === "direct" ? Promise.resolve(null) : this.byChecklist({ ...input, context, model }, ctx),
      method === "checklist" ? Promise.resolve(null) : this.direct({ instruction: input.instruction, context, a: input.a, b: input.b, model }, ctx),
    ]);
    const usage = addUsage(byChecklist?.usage ?? noUsage(), direct?.usage ?? noUsage());
    // With both, the checklist decides and the direct judgement settles what the checklist ties.
    const winner = byChecklist && (byChecklist.winner !== "tie" || !direct) ? byChecklist.winner : direct!.winner;
    return {
      winner,
      p_a: direct?.p_a ?? null,
      position_bias: direct?.position_bias ?? false,
      method,
      ...(byChecklist ? { checklist_id: byChecklist.checklistId, scores: byChecklist.scores, checklist_winner: byChecklist.winner } : {}),
      ...(direct ? { orders: direct.orders } : {}),
      usage,
    };
  }

  /** Both responses graded against one checklist; the ranking of selections decides (TICK compares pass rates). */
  async byChecklist(input: Omit<ComparisonInput, "method"> & { context: string | null }, ctx: RequestContext) {
    const { judge } = this.deps;
    const checklist = await judge.resolveChecklist(input, ctx);
    const text = { instruction: input.instruction, context: input.context, model: input.model };
    const [a, b] = await settleAll([
      judge.grade(checklist.row, { ...text, response: input.a }, ctx),
      judge.grade(checklist.row, { ...text, response: input.b }, ctx),
    ]);
    const { items } = checklist.row;
    const ranking = rankCandidates(
      [a, b].map((g, index) => ({ index, items, results: g.row.results })),
      judge.passThreshold,
    );
    const side = (index: number): SideScores => {
      const s = ranking.standings.find((st) => st.index === index)!;
      return { scores: s.scores, must_pass_met: s.must_pass_met, passed: s.passed, evaluation_id: evaluationId((index ? b : a).row.id, judge.passThreshold) };
    };
    const winner: Winner = ranking.tiedAtTop.length > 1 ? "tie" : ranking.tiedAtTop[0] === 0 ? "a" : "b";
    return {
      winner,
      checklistId: checklist.row.id,
      scores: { a: side(0), b: side(1) },
      usage: addUsage(checklist.usage, addUsage(a.usage, b.usage)),
    };
  }

  /** The judge asked which is better, once in each order, both calls at once. */
  async direct(input: DirectInput, ctx: RequestContext): Promise<DirectVerdict> {
    const [aFirst, bFirst] = await settleAll([
      this.ordered({ ...input, first: input.a, second: input.b }, ctx),
      this.ordered({ ...input, first: input.b, second: input.a }, ctx),
    ]);
    const seen = (row: ComparisonRecord, shownFirst: Side): OrderedVerdict => {
      const other: Side = shownFirst === "a" ? "b" : "a";
      const pFirstIsA = shownFirst === "a";
      return {
        shown_first: shownFirst,
        preferred: row.better === "FIRST" ? shownFirst : other,
        p_a: row.pFirst === null ? null : pFirstIsA ? row.pFirst : 1 - row.pFirst,
        rationale: row.rationale,
      };
    };
    const orders: [OrderedVerdict, OrderedVerdict] = [seen(aFirst.row, "a"), seen(bFirst.row, "b")];
    return { ...combineOrders(...orders), orders, usage: addUsage(aFirst.usage, bFirst.usage) };
  }

  /** One ordered judgement, cached by the fingerprint of everything that shapes it. */
  private async ordered(
    input: { instruction: string; context: string | null; first: string; second: string; model?: string | undefined },
    ctx: RequestContext,
  ) {
    const { judge, store } = this.deps;
    const model = input.model ?? judge.upstreamModel();
    const tenant = judge.cacheTenant(ctx);
    const fp = await fingerprint({
      kind: "comparison",
      prompt_version: COMPARISON_PROMPT_VERSION,
      model,
      params: judge.params,
      instruction: input.instruction,
      context: input.context,
      first: input.first,
      second: input.second,
    });
    const { row, computed } = await this.cache.getOrCompute(
      "comparison",
      `${tenant}:${fp}`,
      () => store.comparisonByFingerprint(tenant, fp),
      async () => {
        const { llm } = judge.upstream();
        const answer = await askStructured(
          llm,
          {
            model,
            messages: comparisonMessages(input),
            schema: { name: COMPARISON_SCHEMA_NAME, schema: comparisonSchema },
            validator: comparisonAnswerValidator,
            logprobs: true,
          },
          ctx,
        );
        const p = answer.tokens
          ? choiceProbabilities(answer.content, answer.tokens, fieldOffsets(answer.content, "better", 1, answer.start), COMPARISON_CHOICES)
          : new Map<string, number>();
        return store.putComparison({
          tenant,
          fingerprint: fp,
          better: answer.value.better,
          pFirst: p.get("better") ?? null,
          rationale: answer.value.rationale,
          model,
          promptVersion: COMPARISON_PROMPT_VERSION,
          usage: answer.usage,
        });
      },
    );
    if (!computed) ctx.meter.hit(row.usage);
    return { row, usage: computed ? row.usage : noUsage() };
  }
}
