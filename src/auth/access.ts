import type { MiddlewareHandler } from "hono";
import type { z } from "zod";
import { OBJECT_SCOPES, type ObjectKind, type Principal, type RequestContext, type Requirement, limitsOf, requireScope } from "../context";
import type { AppEnv, Services } from "../env";
import { ProblemError } from "../errors";
import { jsonBodyValue, readJsonBody, requestHeader } from "../middleware/body";
import type { RequestLimits } from "../middleware/limits";
import { validateInput } from "../middleware/validate";
import { OPEN_PRINCIPAL } from "./principals";
import type { RateLimit } from "./rate-limit";
import { replay } from "../middleware/replay";

/**
 * What an operation declares about its access, next to its route: the app reads it to put the
 * operation behind the right checks (see `accessChain`), the contract carries it (`x-access` and
 * `security` in openapi.yaml), and the security suite tests every operation against it. An
 * operation without one does not start (createApp).
 */
export type Access = PublicAccess | KeyAccess;

interface PublicAccess {
  auth: "public";
  /** When this holds, only TICKBOX_ADMIN_KEY may call it (GET /metrics with TICKBOX_METRICS_PUBLIC=false). */
  operatorOnly?: (services: Services) => boolean;
}

export interface KeyAccess {
  auth: "key";
  /** Scopes the caller needs for the operation itself, all of them ([] for any valid key). */
  scopes: readonly Requirement[];
  /**
   * Stored objects the operation reads, by where their id is: "path" for the `{id}` in the path, or
   * a JSON Pointer into the body (`/checklist_id`, `/examples/*\/evaluation_id`). Each needs its
   * kind's scope (OBJECT_SCOPES) when present, and another tenant's id is a 404.
   */
  objects?: Readonly<Record<string, ObjectKind>>;
  /** Body fields whose presence makes the operation create an object of a kind (a grading, say). */
  creates?: Readonly<Record<string, ObjectKind>>;
  /** It may call the upstream: a key whose daily budget is spent is refused at once (429). */
  spends: boolean;
  /** Its body: JSON within TICKBOX_MAX_BODY_BYTES, or a batch (JSON or JSON Lines, TICKBOX_MAX_BATCH_BODY_BYTES). */
  body?: "json" | "batch";
  /** Repeats of a successful request may be answered from the replay cache; the kind names it in /metrics. */
  replay?: "checklist" | "grading";
  /** Keys are managed only on a server with TICKBOX_ADMIN_KEY: refused (403) on an open one. */
  adminKeyOnly?: boolean;
}

/** The scopes an operation needs before its body is read: its own, and its path object's. */
export function pathRequirements(access: KeyAccess): Requirement[] {
  const path = access.objects?.path;
  return [...new Set(path ? [...access.scopes, OBJECT_SCOPES[path]] : access.scopes)];
}

function authenticate(services: Services, access: KeyAccess, name: string): MiddlewareHandler<AppEnv> {
  const needs = pathRequirements(access);
  const { auth, limiter } = services.access;
  return async (c, next) => {
    if (access.adminKeyOnly && auth.open) {
      throw new ProblemError("forbidden", "keys are managed only on a server with an admin key: set TICKBOX_ADMIN_KEY and restart");
    }
    // An open server has one caller; a key is looked up, and a budget read, only where there is one.
    const principal = auth.open ? OPEN_PRINCIPAL : await auth.fromAuthorization(requestHeader(c, "authorization"));
    c.set("caller", principal);
    for (const need of needs) requireScope(principal, need, name);
    await takeRateLimit(limiter, principal);
    // A budget is read only where there is one (the key's, or one above it).
    if (access.spends && limitsOf(principal).some((level) => level.dailyTokenBudget !== null)) await services.ledger.requireBudgetLeft(principal);
    const ctx = services.contexts.build(principal, { requestId: c.get("requestId"), traceparent: c.get("traceparent") });
    c.set("ctx", ctx);
    try {
      await next();
    } finally {
      services.contexts.finish(ctx);
    }
  };
}

/** A request takes a token from its key's rate limit and from those of the keys above it. */
async function takeRateLimit(limiter: Services["access"]["limiter"], principal: Principal): Promise<void> {
  const limits: RateLimit[] = [];
  for (const level of limitsOf(principal)) if (level.rateLimitRpm !== null) limits.push({ key: level.keyId, rpm: level.rateLimitRpm });
  if (limits.length === 0) return;
  const taken = await limiter.take(limits);
  if (!taken.ok) {
    const whose = taken.key === principal.keyId ? "this key is" : `key ${taken.key}, which this key was made under, and the keys made under it are`;
    throw new ProblemError("rate_limited", `${whose} limited to ${taken.rpm} requests a minute`, undefined, taken.retryAfter);
  }
}

/**
 * A JSON body's one check, after the replay cache (which answers repeats unparsed): parsed, then
 * the schema and the configured limits as for every body format (`validateInput`), then the scopes
 * of the objects it names. The value is what the handler's `c.req.valid("json")` gives.
 */
function checkedBody(schema: z.ZodType, access: KeyAccess, limits: RequestLimits): MiddlewareHandler<AppEnv> {
  const fields = objectFields(access);
  return async (c, next) => {
    const body = validateInput(schema, await jsonBodyValue(c), limits);
    checkBodyObjects(fields, c.get("ctx")!, body);
    c.req.addValidatedData("json", body as object);
    await next();
  };
}

/**
 * The middleware an operation's declaration puts in front of it: authentication, scopes, rate limit
 * and spent budget; then its body, read within its limit; then the replay cache, when it allows it;
 * then a JSON body's check against `bodySchema`, its route's.
 */
export function accessChain(services: Services, access: Access, method: string, path: string, bodySchema?: z.ZodType): MiddlewareHandler<AppEnv>[] {
  const name = `${method} ${path}`;
  if (access.auth === "public") {
    if (!access.operatorOnly?.(services) || services.access.auth.open) return [];
    return [
      async (c, next) => {
        const principal = await services.access.auth.fromAuthorization(requestHeader(c, "authorization"));
        requireScope(principal, "operator", name);
        await next();
      },
    ];
  }
  const chain = [authenticate(services, access, name)];
  const body = { maxBytes: services.limits.maxBodyBytes, timeoutMs: services.limits.bodyTimeoutMs };
  if (access.body === "json") chain.push(readJsonBody(body));
  if (access.body === "batch") {
    // Left unread for the route, which parses it as a stream (bounded memory whatever its size).
    const rule = { maxBytes: services.limits.maxBatchBodyBytes, limitName: "TICKBOX_MAX_BATCH_BODY_BYTES", ndjson: true, stream: true };
    chain.push(readJsonBody(body, { [path]: rule }));
  }
  if (access.replay && services.replay.enabled) chain.push(replay(services.replay, services.metrics, access.replay));
  if (access.body === "json") {
    if (!bodySchema) throw new Error(`${name} declares a JSON body but its route gives no schema for it`);
    chain.push(checkedBody(bodySchema, access, services.limits));
  }
  return chain;
}

/** Whether the path of a JSON Pointer (with `*` for every element of an array) names a value in `body`. */
function present(value: unknown, parts: readonly string[], at = 0): boolean {
  if (at === parts.length) return value !== undefined && value !== null;
  if (value === null || typeof value !== "object") return false;
  const part = parts[at]!;
  if (part === "*") return Array.isArray(value) && value.some((v) => present(v, parts, at + 1));
  return present((value as Record<string, unknown>)[part], parts, at + 1);
}

interface ObjectField {
  parts: readonly string[];
  scope: Requirement;
  /** The scope's reason, as `requireScope` names it. */
  reason: string;
}

/** The body fields that name objects, or would create them, of an operation; read once, when its chain is built. */
function objectFields(access: KeyAccess): ObjectField[] {
  const fields: ObjectField[] = [];
  for (const [declared, verb] of [
    [access.objects, "names"],
    [access.creates, "would create"],
  ] as const) {
    for (const [pointer, kind] of Object.entries(declared ?? {})) {
      if (pointer === "path") continue;
      fields.push({
        parts: pointer.split("/").slice(1),
        scope: OBJECT_SCOPES[kind],
        reason: `${pointer}, which ${verb} ${kind === "evaluation" ? "an" : "a"} ${kind}`,
      });
    }
  }
  return fields;
}

/**
 * After the body is validated: each object the body names, and each it would create, needs its
 * kind's scope (an evaluate-only key naming a calibration profile is refused before any work).
 */
function checkBodyObjects(fields: readonly ObjectField[], ctx: RequestContext, body: unknown): void {
  for (const { parts, scope, reason } of fields) if (present(body, parts)) requireScope(ctx.principal, scope, reason);
}
