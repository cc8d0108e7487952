import type { Principal, RequestContext } from "../context";
import type { Slots } from "../llm/limiter";
import type { Logger } from "../log";
import type { UsageLedger } from "../usage/ledger";
import { usageKey } from "../usage/ledger";
import { Meter } from "../usage/meter";
import type { UsageRecorder } from "../usage/recorder";

export interface ContextDeps {
  ledger: UsageLedger;
  recorder: UsageRecorder;
  log: Logger;
  /** TICKBOX_REQUEST_DEADLINE_MS: how long one request's (or batch item's) upstream work may take. */
  deadlineMs: number;
}

/**
 * The one place request contexts are made, for HTTP requests (the access middleware), batch items
 * (each under its owner, as known when the item starts) and the command line working in-process.
 * `finish` books the request to its key's usage: one request, and what the cache saved it (its
 * upstream tokens are booked call by call, as each call settles).
 */
export class ContextBuilder {
  constructor(private readonly deps: ContextDeps) {}

  build(
    principal: Principal,
    request: { requestId: string; traceparent?: string | undefined; slots?: Slots | undefined; recheck?: () => Promise<void> },
  ): RequestContext {
    return {
      requestId: request.requestId,
      principal,
      tenant: principal.tenant,
      meter: new Meter(),
      budget: this.deps.ledger.account(principal),
      deadline: Date.now() + this.deps.deadlineMs,
      log: this.deps.log,
      traceparent: request.traceparent,
      slots: request.slots,
      recheck: request.recheck,
    };
  }

  finish(ctx: RequestContext): void {
    this.deps.recorder.addRequest(usageKey(ctx.principal), ctx.tenant, ctx.meter);
  }
}
