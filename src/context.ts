// The request context: who is asking, what they may do, what they spend and by when. Built once per
// request (or per batch item) by the context builder (src/auth/contexts.ts) and passed, required,
// to every service call. Nothing here knows HTTP.
import { ProblemError } from "./errors";
import type { Slots } from "./llm/limiter";
import type { TokenBudget } from "./llm/types";
import type { Logger } from "./log";
import type { Scope } from "./store/records";
import type { Meter } from "./usage/meter";

/** A key's own limits (null: none of its own). */
export interface KeyLimits {
  readonly keyId: string;
  readonly rateLimitRpm: number | null;
  readonly dailyTokenBudget: number | null;
}

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
  /**
   * The keys above this one, nearest first: the tenant admin key that made it, the key that made
   * that one, and so on up to a key the operator made. Their limits bound this key as well as its
   * own: what it spends is spent from each of their budgets, its requests taken from each of their
   * rates (see limitsOf).
   */
  above: readonly KeyLimits[];
}

const NO_LIMITS: readonly KeyLimits[] = [];

/**
 * Every limit a principal is under, its own first, then those of the keys above it: a request
 * needs a token from each rate limit, a call fits each budget. Empty without a key.
 */
export function limitsOf(principal: Principal): readonly KeyLimits[] {
  if (principal.keyId === null) return NO_LIMITS;
  if (principal.above.length === 0 && principal.rateLimitRpm === null && principal.dailyTokenBudget === null) return NO_LIMITS;
  return [{ keyId: principal.keyId, rateLimitRpm: principal.rateLimitRpm, dailyTokenBudget: principal.dailyTokenBudget }, ...principal.above];
}

/** The tightest of a kind of limit a principal is under: the most a key it makes may declare (null: none). */
export function tightest(principal: Principal, limit: "rateLimitRpm" | "dailyTokenBudget"): number | null {
  let least: number | null = null;
  for (const level of limitsOf(principal)) {
    const value = level[limit];
    if (value !== null && (least === null || value < least)) least = value;
  }
  return least;
}

/** What a caller needs: a key scope, or "operator" (TICKBOX_ADMIN_KEY alone). */
export type Requirement = Scope | "operator";

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
  /**
   * For work that outlives the request that started it (a batch item): throws when its principal
   * may no longer spend (its key revoked since), checked right before each upstream attempt is sent.
   */
  readonly recheck: (() => Promise<void>) | undefined;
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
  const detail = needed === "operator" ? `${what} needs TICKBOX_ADMIN_KEY` : `this key lacks the "${needed}" scope needed for ${what}`;
  throw new ProblemError("forbidden", detail);
}

/** The scope an object kind needs, checked where the object is touched. */
export function requireObjectScope(ctx: RequestContext, kind: ObjectKind): void {
  requireScope(ctx.principal, OBJECT_SCOPES[kind], `${kind === "evaluation" ? "an" : "a"} ${kind}`);
}

/** The fields of an upstream call that come from the context: deadline, meter, budget, slots, trace, re-check. */
export function upstreamCall(ctx: RequestContext) {
  return { deadline: ctx.deadline, meter: ctx.meter, budget: ctx.budget, slots: ctx.slots, traceparent: ctx.traceparent, beforeSend: ctx.recheck };
}
