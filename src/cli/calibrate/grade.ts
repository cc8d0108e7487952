import { type BatchItem, type Comparison, TickboxError, type TickboxClient } from "../../../client/src/index";
import { followBatch } from "../batch";
import { CliError, EXIT } from "../exit";
import type { Progress } from "../progress";
import type { Interruption } from "../signals";
import type { PairwiseLine, PointwiseLine } from "./labelled";

/** What one judge said of one pointwise line. */
export interface PointwiseGrade {
  evaluationId: string;
  model: string;
  checklistId: string;
  /** The raw signal a profile calibrates: the soft score with logprobs, else the weighted score. */
  p: number;
  items: { id: string; question: string; verdict: "YES" | "NO" }[];
}

/** What one judge said of one pairwise line: p(a better), the mean over both orders. */
export interface PairwiseGrade {
  p: number;
}

export interface Failure {
  line: number;
  judge: string | null;
  problem: string;
}

export interface Graded<G> {
  /** By line number. */
  grades: Map<number, G>;
  failures: Failure[];
  interrupted: boolean;
}

export interface GradeOptions {
  judge: string | null;
  concurrency?: number | undefined;
  progress: Progress;
  interruption: Interruption;
}

/**
 * One judge grades every pointwise line, as one batch. Later judges of a cascade grade the
 * checklist the first one used (`checklists`, by line), as the cascade does when it escalates.
 * The custom ids name the judge, so that each judge's batch is its own even where the items match.
 */
export async function gradePointwise(
  client: TickboxClient,
  lines: PointwiseLine[],
  checklists: Map<number, string> | null,
  options: GradeOptions,
): Promise<Graded<PointwiseGrade>> {
  const items: BatchItem[] = lines.map((l) => ({
    custom_id: `${options.judge ?? ""}#${l.line}`,
    instruction: l.instruction,
    ...(l.context === undefined ? {} : { context: l.context }),
    response: l.response,
    ...(options.judge ? { judge: options.judge } : {}),
    ...(checklists ? { checklist_id: checklists.get(l.line)! } : l.checklist ? { checklist: l.checklist as NonNullable<BatchItem["checklist"]> } : {}),
  }));
  // Failed items of an earlier run are tried again: a profile wants every label it can get.
  const followed = await followBatch(client, items, { ...options, retryFailed: true });
  const grades = new Map<number, PointwiseGrade>();
  const failures: Failure[] = [];
  if (followed.interrupted) return { grades, failures, interrupted: true };
  for (const result of await client.get("/v1/batches/{id}/results", { path: { id: followed.view.id } })) {
    const line = lines[result.index]!.line;
    const ev = result.evaluation;
    if (!ev) {
      failures.push({ line, judge: options.judge, problem: result.problem?.detail ?? "not graded" });
      continue;
    }
    const questions = new Map(ev.checklist.items.map((i) => [i.id, i.question]));
    grades.set(line, {
      evaluationId: ev.id,
      model: ev.model,
      checklistId: ev.checklist.id,
      p: ev.scores.soft ?? ev.scores.weighted,
      items: ev.results.map((r) => ({ id: r.item_id, question: questions.get(r.item_id) ?? "", verdict: r.verdict })),
    });
  }
  return { grades, failures, interrupted: false };
}

const PAIRWISE_CONCURRENCY = 8;

/**
 * One judge compares every pairwise line directly (POST /v1/comparisons, method direct: asked in
 * both orders), the form whose p_a a pairwise profile is applied to. Each ordered judgement is
 * cached by the server, so a rerun after an interruption pays only for what was not done.
 */
export async function gradePairwise(client: TickboxClient, lines: PairwiseLine[], options: GradeOptions): Promise<Graded<PairwiseGrade>> {
  const grades = new Map<number, PairwiseGrade>();
  const failures: Failure[] = [];
  const started = Date.now();
  let next = 0;
  const report = () => {
    const finished = grades.size + failures.length;
    const seconds = (Date.now() - started) / 1000;
    const rate = finished > 0 && seconds > 0 ? finished / seconds : null;
    options.progress.update({ finished, total: lines.length, failed: failures.length, rate, eta: rate ? (lines.length - finished) / rate : null });
  };
  const compare = async (l: PairwiseLine): Promise<Comparison> => {
    const context = l.context === undefined ? {} : { context: l.context };
    const judge = options.judge ? { judge: options.judge } : {};
    return client.post("/v1/comparisons", { body: { instruction: l.instruction, ...context, a: l.a, b: l.b, method: "direct", ...judge } });
  };
  const worker = async () => {
    while (next < lines.length && !options.interruption.signal) {
      const l = lines[next++]!;
      try {
        const comparison = await compare(l);
        if (comparison.p_a === null) failures.push({ line: l.line, judge: options.judge, problem: "no p_a: the judge model gave no logprobs" });
        else grades.set(l.line, { p: comparison.p_a });
      } catch (error) {
        // The upstream failing on one line fails that line; anything else stops the command.
        if (!(error instanceof TickboxError) || !(error.status >= 500 || error.status === 429)) {
          if (error instanceof TickboxError && error.status !== 401 && error.status !== 403) {
            throw new CliError(EXIT.input, `line ${l.line}: ${error.message}`);
          }
          throw error;
        }
        failures.push({ line: l.line, judge: options.judge, problem: error.problem?.detail ?? error.message });
      }
      report();
    }
  };
  report();
  const workers = Math.min(options.concurrency ?? PAIRWISE_CONCURRENCY, lines.length);
  await Promise.all(Array.from({ length: workers }, worker));
  return { grades, failures, interrupted: options.interruption.signal !== null && grades.size + failures.length < lines.length };
}
