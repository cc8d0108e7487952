// The request context: who is asking, what they may do, what they spend and by when. Built once per
// request (or per batch item) by the context builder (src/auth/contexts.ts) and passed, required,
// to every service call. Nothing here knows HTTP.
import { ProblemError } from "./errors";
import type { Slots } from "./llm/limiter";
import type { Logger } from "./log";
import type { Scope } from "./store/schema-keys";
import type { Meter } from "./usage/meter";

/** Who is calling: the tenant their objects belong to, what they may do, and their limits. */
export interface Principal {
  /** The key's id; "admin" for TICKBOX_ADMIN_KEY; null on an open server (no admin key). */
  keyId: string | null;
  tenant: string;
  scopes: readonly Scope[];
  /** TICKBOX_ADMIN_KEY: the only principal that manages keys and reads usage across tenants. */
  operator: boolean;
  rateLimitRpm: number | null;
  dailyTokenBudget: number | null;
}

/** What a caller needs: a key scope, or "operator" (TICKBOX_ADMIN_KEY alone). */
export type Requirement = Scope | "operator";

/** A reservation of upstream tokens, settled to what the call really cost once it is over. */
export interface Reservation {
  settle(spent: Meter): void | Promise<void>;
}

/** The caller's upstream spending: every upstream call reserves its estimate here first. */
export interface TokenBudget {
  /**
   * Reserves `estimate` tokens for a call that ends by `deadline` (epoch ms), or throws
   * `budget_exceeded` (429) when they would not fit.
   */
  reserve(estimate: number, deadline?: number): Promise<Reservation>;
}

export interface RequestContext {
  readonly requestId: string;
  readonly principal: Principal;
  /** The principal's tenant: whose objects this request reads and writes. */
  readonly tenant: string;
  /** What this request costs upstream and what the cache saves it. */
  readonly meter: Meter;
  readonly budget: TokenBudget;
  /** Epoch ms by which the request's upstream work must be done. */
  readonly deadline: number;
  readonly log: Logger;
  /** The caller's W3C traceparent, forwarded on upstream calls. */
  readonly traceparent: string | undefined;
  /** Upstream slots shared with other work (a batch's concurrency), besides the server-wide limit. */
  readonly slots: Slots | undefined;
}

/**
 * Scopes apply to objects, wherever an operation reaches them: checklists, evaluations and batches
 * need `evaluate` (so does every upstream call: grading anywhere is evaluating), calibration
 * profiles need `calibrate`, keys need `admin`. What a key can create, it can therefore read.
 */
export const OBJECT_SCOPES = {
  checklist: "evaluate",
  evaluation: "evaluate",
  batch: "evaluate",
  calibration: "calibrate",
  key: "admin",
} as const satisfies Record<string, Scope>;

export type ObjectKind = keyof typeof OBJECT_SCOPES;

/** `admin` holds every scope of its tenant; the operator holds every scope everywhere. */
export function hasScope(principal: Principal, needed: Requirement): boolean {
  if (principal.operator) return true;
  if (needed === "operator") return false;
  return principal.scopes.includes(needed) || principal.scopes.includes("admin");
}

/** Throws the 403 for a principal without `needed`, naming what it was needed for. */
export function requireScope(principal: Principal, needed: Requirement, what: string): void {
  if (hasScope(principal, needed)) return;
  const detail =
    needed === "operator"
      ? `${what} needs TICKBOX_ADMIN_KEY`
      : `this key lacks the "${needed}" scope needed for ${what}`;
  throw new ProblemError("forbidden", detail);
}

/** The scope an object kind needs, checked where the object is touched. */
export function requireObjectScope(ctx: RequestContext, kind: ObjectKind): void {
  requireScope(ctx.principal, OBJECT_SCOPES[kind], `${kind === "evaluation" ? "an" : "a"} ${kind}`);
}

/** The fields of an upstream call that come from the context: deadline, meter, budget, slots, trace. */
export function upstreamCall(ctx: RequestContext) {
  return { deadline: ctx.deadline, meter: ctx.meter, budget: ctx.budget, slots: ctx.slots, traceparent: ctx.traceparent };
}
