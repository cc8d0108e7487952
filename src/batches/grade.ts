import { ProblemError, problemBody } from "../errors";
import type { EvaluationInput, EvaluationView } from "../judge/judge";
import { BreakerRefusal } from "../llm/breaker";
import { UpstreamProblem } from "../llm/failure";
import type { Slots } from "../llm/limiter";
import { noUsage } from "../llm/usage";
import type { BatchItemRow, ItemOutcome } from "../store/batch-records";

/** Who a batch belongs to: the tenant that owns it and the key its usage is booked to. */
export interface BatchOwner {
  tenant: string;
  keyId: string | null;
}

/**
 * Grades one item as its owner, as the server knows the owner when the item starts, its upstream
 * calls each taking one of the batch's slots. Throws a BatchHalt when the owner may not go on.
 */
export type Evaluate = (input: EvaluationInput, owner: BatchOwner, slots: Slots, label: string) => Promise<EvaluationView>;

/**
 * The batch must stop before this item, which goes back to pending: its owner's key was revoked
 * (the batch is cancelled), or the owner's daily token budget is spent (it is paused until `until`,
 * the next UTC day, or a retry). Workers finish the items they hold and take no more.
 */
export class BatchHalt extends Error {
  override name = "BatchHalt";
  constructor(
    readonly status: "cancelled" | "paused",
    readonly reason: string,
    readonly until: number | null = null,
  ) {
    super(reason);
  }
}

/** The item is no longer this worker's to grade (another runner took the batch over): it is left as it is. */
export class ClaimLost extends Error {
  override name = "ClaimLost";
}

type Problem = Record<string, unknown>;

/**
 * What one attempt at an item came to, the same on every runtime:
 * - `finished`: graded (done), or failed for a reason of its own (its input, an unusable answer);
 * - `halted`: the owner may not go on (see BatchHalt); the item waits;
 * - `waiting`: nothing was asked of the upstream on its behalf, or nothing it could answer for: the
 *   circuit breaker refused the call, or the item's deadline passed while it waited for a slot. Not
 *   a failure of the item: it is asked again after `retryAfterMs`, as often as it takes;
 * - `outage`: the upstream failed it (unreachable, a 5xx, a 429 after the retries, silent past its
 *   timeout). The upstream, not the item, is most likely at fault, so it is tried again, but it
 *   counts as one of the item's attempts: an item the upstream fails every time ends as failed;
 * - `dropped`: the item is no longer this worker's (ClaimLost).
 */
export type Graded =
  | { kind: "finished"; outcome: ItemOutcome }
  | { kind: "halted"; halt: BatchHalt }
  | { kind: "waiting"; retryAfterMs: number }
  | { kind: "outage"; problem: Problem }
  | { kind: "dropped" };

/** Everything evaluation results depend on that timing does not: `cached` and `usage` are left out. */
function stableResult(view: EvaluationView): Record<string, unknown> {
  const { cached: _cached, usage: _usage, ...rest } = view;
  return rest;
}

/** The problem an item that failed is recorded with; an unexpected error is not described (and is logged). */
export function itemProblem(error: unknown): { problem: Problem; logged: boolean } {
  const known = error instanceof ProblemError;
  const problem = known ? error : new ProblemError("internal", "an unexpected error occurred while grading this item");
  const { instance: _instance, ...body } = problemBody(problem, "batch");
  return { problem: body, logged: !known };
}

/** A failed item's outcome. */
export const failedOutcome = (problem: Problem): ItemOutcome => ({ status: "failed", problem, usage: noUsage(), cached: false });

/** How long an item whose slot wait ran out waits before it is asked again. */
const SLOT_RETRY_MS = 1_000;

/** One attempt at an item: graded through `evaluate`, its failure sorted as `Graded` says. */
export async function gradeItem(evaluate: Evaluate, item: BatchItemRow, owner: BatchOwner, slots: Slots, label: string): Promise<Graded> {
  try {
    const view = await evaluate(item.request, owner, slots, label);
    return {
      kind: "finished",
      outcome: { status: "done", result: stableResult(view), passed: view.passed, weighted: view.scores.weighted, usage: view.usage, cached: view.cached },
    };
  } catch (error) {
    if (error instanceof BatchHalt) return { kind: "halted", halt: error };
    if (error instanceof ClaimLost) return { kind: "dropped" };
    if (error instanceof BreakerRefusal) return { kind: "waiting", retryAfterMs: (error.retryAfter ?? 1) * 1000 };
    if (error instanceof UpstreamProblem && error.health === "local") return { kind: "waiting", retryAfterMs: SLOT_RETRY_MS };
    const { problem, logged } = itemProblem(error);
    if (error instanceof UpstreamProblem && error.health === "outage") return { kind: "outage", problem };
    if (logged) console.error(`[batch item ${label}]`, error);
    return { kind: "finished", outcome: failedOutcome(problem) };
  }
}
