import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { ProblemError } from "../errors";
import { requestHeader } from "../middleware/body";
import type { Scope } from "../store/schema-keys";
import type { KeyStore } from "../store/keys-store";
import { Meter } from "../usage/meter";
import type { UsageRecorder } from "../usage/recorder";
import type { RateLimiter } from "./rate-limit";
import { constantTimeEqual, hashSecret } from "./secrets";

/** Who is calling: the tenant their objects belong to, what they may do, and their limits. */
export interface Principal {
  keyId: string | null;
  tenant: string;
  scopes: readonly Scope[];
  rateLimitRpm: number | null;
  dailyTokenBudget: number | null;
}

export const OPEN_PRINCIPAL: Principal = {
  keyId: null,
  tenant: "default",
  scopes: ["evaluate", "calibrate", "admin"],
  rateLimitRpm: null,
  dailyTokenBudget: null,
};

const ADMIN_PRINCIPAL: Principal = { ...OPEN_PRINCIPAL, keyId: "admin" };

/** What a route needs: "public" (no key), "any" (any valid key) or one scope. */
export function requiredAccess(path: string, metricsPublic: boolean): "public" | "any" | Scope {
  if (!path.startsWith("/v1/")) return path === "/metrics" && !metricsPublic ? "admin" : "public";
  if (path.startsWith("/v1/keys")) return "admin";
  if (path === "/v1/usage") return "any";
  if (path.startsWith("/v1/calibrations") || path === "/v1/confidence") return "calibrate";
  return "evaluate";
}

export interface AccessOptions {
  adminKey: string | undefined;
  keys: KeyStore;
  limiter: RateLimiter;
  metricsPublic: boolean;
  usage: UsageRecorder;
}

const secondsToUtcMidnight = (now = Date.now()) => Math.max(1, Math.ceil((86_400_000 - (now % 86_400_000)) / 1000));

/** Meters the request and books it to the caller's key when it ends, whatever its outcome. */
async function metered(principal: Principal, usage: UsageRecorder, c: Parameters<MiddlewareHandler<AppEnv>>[0], next: () => Promise<void>) {
  const meter = new Meter();
  c.set("principal", principal);
  c.set("meter", meter);
  try {
    await next();
  } finally {
    usage.add(principal.keyId ?? "open", principal.tenant, meter);
  }
}

/**
 * Authentication, scopes and rate limits. With no admin key configured the service is open and
 * every caller is the default tenant; with one, every /v1 route needs `Authorization: Bearer`.
 * The admin key is compared in constant time; other keys are looked up by the hash of the secret.
 */
export function access(options: AccessOptions): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const needed = requiredAccess(c.req.path, options.metricsPublic);
    if (needed === "public") return next();
    if (options.adminKey === undefined) return metered(OPEN_PRINCIPAL, options.usage, c, next);
    const token = /^Bearer\s+(\S+)\s*$/i.exec(requestHeader(c, "authorization") ?? "")?.[1];
    if (!token) throw new ProblemError("unauthorized", "send an API key as `Authorization: Bearer <key>`");
    let principal: Principal;
    if (constantTimeEqual(token, options.adminKey)) principal = ADMIN_PRINCIPAL;
    else {
      const row = await options.keys.activeByHash(await hashSecret(token));
      if (!row) throw new ProblemError("unauthorized", "the API key is not valid or has been revoked");
      principal = {
        keyId: row.id,
        tenant: row.tenant,
        scopes: row.scopes,
        rateLimitRpm: row.rateLimitRpm,
        dailyTokenBudget: row.dailyTokenBudget,
      };
    }
    if (needed !== "any" && !principal.scopes.includes(needed) && !principal.scopes.includes("admin")) {
      throw new ProblemError("forbidden", `this key lacks the "${needed}" scope needed for ${c.req.method} ${c.req.path}`);
    }
    if (principal.rateLimitRpm !== null && principal.keyId) {
      const taken = options.limiter.take(principal.keyId, principal.rateLimitRpm);
      if (!taken.ok) {
        throw new ProblemError(
          "rate_limited",
          `this key is limited to ${principal.rateLimitRpm} requests a minute`,
          undefined,
          taken.retryAfter,
        );
      }
    }
    if (principal.dailyTokenBudget !== null && principal.keyId) {
      const spent = await options.usage.tokensToday(principal.keyId);
      if (spent >= principal.dailyTokenBudget) {
        throw new ProblemError(
          "budget_exceeded",
          `this key's daily budget of ${principal.dailyTokenBudget} upstream tokens is spent (${spent} today); it renews at 00:00 UTC`,
          undefined,
          secondsToUtcMidnight(),
        );
      }
    }
    return metered(principal, options.usage, c, next);
  };
}
