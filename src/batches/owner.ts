import type { ContextBuilder } from "../auth/contexts";
import type { Authenticator } from "../auth/principals";
import { ProblemError } from "../errors";
import type { EvaluationInput, EvaluationView, Judge } from "../judge/judge";
import type { UsageLedger } from "../usage/ledger";
import { BatchHalt, type Evaluate } from "./grade";

const nextUtcDay = (now: number) => (Math.floor(now / 86_400_000) + 1) * 86_400_000;

function paused(error: ProblemError, now: number): BatchHalt {
  return new BatchHalt("paused", `${error.detail.replace(/; it renews at 00:00 UTC$/, "")}; the batch resumes at 00:00 UTC, or on retry`, nextUtcDay(now));
}

/**
 * Grades batch items as their owner: each item gets a request context of its own, built from the
 * owner's key as it is when the item starts, and re-checked before each of its upstream calls. A
 * revoked key cancels the batch; a spent daily budget (before the item, or when one of its upstream
 * calls does not fit) pauses it, and the item waits. Each item is booked to the key as one request.
 */
export function evaluateAsOwner(deps: { auth: Authenticator; ledger: UsageLedger; contexts: ContextBuilder; judge: Judge }): Evaluate {
  return async (input: EvaluationInput, owner, slots, label): Promise<EvaluationView> => {
    const principal = await deps.auth.fromOwner(owner);
    if ("refused" in principal) throw new BatchHalt("cancelled", principal.refused);
    const budgetSpent = (error: unknown) => error instanceof ProblemError && error.code === "budget_exceeded";
    try {
      await deps.ledger.requireBudgetLeft(principal);
    } catch (error) {
      if (budgetSpent(error)) throw paused(error as ProblemError, Date.now());
      throw error;
    }
    // Re-checked before each upstream call too, so calls that waited for a slot stop with the key.
    // Then the slots' own check (the lease), the last thing before the call is sent.
    const recheck = async () => {
      const refused = await deps.auth.refusal(owner);
      if (refused) throw new BatchHalt("cancelled", refused);
      await slots.ready?.();
    };
    const ctx = deps.contexts.build(principal, { requestId: label, slots, recheck });
    try {
      return await deps.judge.evaluate(input, ctx);
    } catch (error) {
      if (budgetSpent(error)) throw paused(error as ProblemError, Date.now());
      throw error;
    } finally {
      deps.contexts.finish(ctx);
    }
  };
}
