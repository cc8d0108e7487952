import type { ChatRequest, ChatResult, LlmClient } from "../llm/types";
import { estimateTokens } from "./estimate";
import { Meter } from "./meter";

/**
 * The upstream as the judge reaches it: every call first reserves its estimated tokens against the
 * caller's budget (which also checks that the caller may call the upstream at all), and settles to
 * what its attempts really cost once it is over, answered or failed. A call without a budget
 * account is a bug in the caller, not an unmetered call.
 */
export class BudgetedLlm implements LlmClient {
  constructor(private readonly inner: LlmClient) {}

  async complete(request: ChatRequest): Promise<ChatResult> {
    if (!request.budget) throw new Error("an upstream call was made without the request's budget");
    const reservation = await request.budget.reserve(estimateTokens(request), request.deadline);
    const call = new Meter();
    try {
      return await this.inner.complete({ ...request, meter: call });
    } finally {
      if (request.meter) for (const [model, usage] of call.byModel) request.meter.charge(model, usage);
      await reservation.settle(call);
    }
  }
}
