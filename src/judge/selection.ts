import { ProblemError } from "../errors";
import type { RequestContext } from "../context";
import { evaluationId } from "../store/evaluation-ids";
import { addUsage, type Usage } from "../llm/usage";
import type { Comparisons, DirectVerdict } from "./comparison";
import type { ChecklistSource, Judge } from "./judge";
import { settleAll } from "./settle";
import { type GradedCandidate, rankCandidates, type RankBasis, separation, type Standing } from "./ranking";

type TieBreak = "pairwise" | "first" | "none";

export interface SelectionInput extends ChecklistSource {
  candidates: string[];
  tie_break?: TieBreak | undefined;
}

type RankedCandidate = Standing & { evaluation_id: string };

export interface SelectionView {
  /** The winner's index in the request; null when the top is tied and `tie_break` is "none". */
  winner: number | null;
  ranking: RankedCandidate[];
  ranked_by: RankBasis;
  checklist_id: string;
  margin: number;
  p_ahead: number | null;
  decisive: boolean;
  /** Indices sharing the first place on the scores (one when there is no tie). */
  tied: number[];
  tie_break: { method: TieBreak; between: [number, number]; winner: "a" | "b" | "tie"; position_bias: boolean } | null;
  usage: Usage;
}

/** A candidate's grading failed: the problem keeps its status and says which candidate. */
function candidateFailure(index: number, error: unknown): unknown {
  if (!(error instanceof ProblemError)) return error;
  return new ProblemError(error.code, `grading candidate ${index} failed: ${error.detail}`, [
    { path: `/candidates/${index}`, message: "its grading failed upstream" },
  ]);
}

/**
 * Best-of-N by checklist (STICK, Cook et al., 2024: selection by checklist score): one checklist,
 * every candidate graded against it at once (the upstream client's limiter bounds the
 * concurrency), each grading cached like any evaluation, then ranked (see rankCandidates). No
 * calibration profile is taken: a profile maps a response's score monotonically, so it could not
 * reorder candidates the verdicts tie.
 */
export class Selections {
  constructor(private readonly deps: { judge: Judge; comparisons: Comparisons }) {}

  async select(input: SelectionInput, ctx: RequestContext): Promise<SelectionView> {
    const { judge, comparisons } = this.deps;
    const context = input.context ?? null;
    const checklist = await judge.resolveChecklist({ ...input, context }, ctx);
    const gradings = await settleAll(
      input.candidates.map((response) => judge.grade(checklist.row, { instruction: input.instruction, context, response }, ctx)),
      candidateFailure,
    );
    let usage = gradings.reduce((sum, g) => addUsage(sum, g.usage), checklist.usage);

    const graded: GradedCandidate[] = gradings.map((g, index) => ({ index, items: checklist.row.items, results: g.row.results }));
    const ranking = rankCandidates(graded, judge.passThreshold);
    const standings = [...ranking.standings];
    const method = input.tie_break ?? "first";
    let winner: number | null = standings[0]!.index;
    let tieBreak: SelectionView["tie_break"] = null;
    if (ranking.tiedAtTop.length > 1) {
      if (method === "none") winner = null;
      if (method === "pairwise") {
        // One position-swapped comparison between the first two tied candidates, in request order.
        const [i, j] = ranking.tiedAtTop as [number, number];
        const verdict: DirectVerdict = await comparisons.direct(
          {
            instruction: input.instruction,
            context,
            a: input.candidates[i]!,
            b: input.candidates[j]!,
          },
          ctx,
        );
        usage = addUsage(usage, verdict.usage);
        if (verdict.winner === "b") {
          winner = j;
          const at = standings.findIndex((s) => s.index === j);
          standings.unshift(...standings.splice(at, 1));
        }
        tieBreak = { method, between: [i, j], winner: verdict.winner, position_bias: verdict.position_bias };
      }
    }
    const [first, second] = [standings[0]!, standings[1]!];
    const { margin, p_ahead, decisive } = separation({ ...first, ...graded[first.index]! }, { ...second, ...graded[second.index]! });
    return {
      winner,
      ranking: standings.map((s) => ({ ...s, evaluation_id: evaluationId(gradings[s.index]!.row.id, judge.passThreshold) })),
      ranked_by: ranking.basis,
      checklist_id: checklist.row.id,
      margin,
      p_ahead,
      decisive,
      tied: ranking.tiedAtTop,
      tie_break: tieBreak,
      usage,
    };
  }
}
