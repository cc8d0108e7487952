import { createRoute, z } from "@hono/zod-openapi";
import type { Access } from "../../auth/access";
import { hashSecret, newKeyId, newSecret } from "../../auth/secrets";
import { type Principal, tightest } from "../../context";
import type { App } from "../../env";
import { ProblemError } from "../../errors";
import { contextOf } from "../operation";
import { commonErrors, jsonBody, maxChars, problemResponse } from "../schemas";
import { KeyInfo, Scope, keyInfo } from "./schemas";

const CreateKeyBody = z
  .strictObject({
    name: maxChars(z.string().trim().min(1, "must not be empty"), 200),
    scopes: z.array(Scope).min(1).max(3),
    tenant: maxChars(z.string().trim().min(1), 200)
      .regex(/^[\w.-]+$/, "letters, digits, '_', '.', '-' only")
      .optional()
      .openapi({
        description:
          "Whose objects the key reads and writes; keys with the same tenant share them. A tenant's admin key makes keys for its own tenant only (the default); TICKBOX_ADMIN_KEY for any, by default a new tenant named after the key.",
      }),
    rate_limit_rpm: z.number().int().min(1).max(1_000_000).optional().openapi({
      description:
        "Requests a minute (a token bucket). A key made by a tenant's admin key also takes each request from that key's rate, and from those of the keys above it; it may ask for no more than the tightest of them (422), and gets it when this is left out.",
    }),
    daily_token_budget: z.number().int().min(1).optional().openapi({
      description:
        "Upstream tokens a UTC day. A key made by a tenant's admin key also spends from that key's budget, and from those of the keys above it (each spent by every key made under it); it may ask for no more than the tightest of them (422), and gets it when this is left out.",
    }),
  })
  .openapi("CreateKeyRequest");

const CreatedKey = KeyInfo.extend({
  key: z.string().openapi({ description: "The secret. Shown this once; only its hash is stored." }),
}).openapi("CreatedApiKey");

export const route = createRoute({
  method: "post",
  path: "/v1/keys",
  tags: ["keys"],
  summary: "Create an API key (admin scope: in its own tenant; TICKBOX_ADMIN_KEY: in any)",
  request: { body: jsonBody(CreateKeyBody, "The key's name, scopes and limits.") },
  responses: {
    201: { description: "The key, with its secret shown once.", content: { "application/json": { schema: CreatedKey } } },
    403: problemResponse("The key lacks the admin scope, names another tenant, or the server has no TICKBOX_ADMIN_KEY."),
    ...commonErrors,
    422: problemResponse("The body does not match the schema, or a tenant admin key asks for looser limits than it is under; `errors` lists each field."),
  },
});

export const access: Access = { auth: "key", scopes: ["admin"], spends: false, body: "json", adminKeyOnly: true };

/**
 * The limits of a key a tenant admin key makes: no looser than the tightest it is under itself (its
 * own, or a key's above it), which a limit left out takes. It is bounded by them anyway (a key
 * spends from the budgets and rates of the keys above it); declaring looser ones would only mislead.
 */
function limitsUnder(maker: Principal, body: { rate_limit_rpm?: number | undefined; daily_token_budget?: number | undefined }) {
  const ceilings = { rate_limit_rpm: tightest(maker, "rateLimitRpm"), daily_token_budget: tightest(maker, "dailyTokenBudget") };
  const looser = (["rate_limit_rpm", "daily_token_budget"] as const).filter((field) => {
    const ceiling = ceilings[field];
    return ceiling !== null && body[field] !== undefined && body[field] > ceiling;
  });
  if (looser.length > 0) {
    throw new ProblemError(
      "limit_exceeded",
      "a key made by a tenant's admin key may not have looser limits than that key is under",
      looser.map((field) => ({ path: `/${field}`, message: `more than ${ceilings[field]}, the most the making key is allowed` })),
    );
  }
  return {
    rateLimitRpm: body.rate_limit_rpm ?? ceilings.rate_limit_rpm,
    dailyTokenBudget: body.daily_token_budget ?? ceilings.daily_token_budget,
  };
}

export function register(app: App) {
  return app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const { principal } = contextOf(c);
    if (!principal.operator && body.tenant !== undefined && body.tenant !== principal.tenant) {
      throw new ProblemError("forbidden", `a tenant's admin key makes keys for its own tenant (${principal.tenant}) only`, [
        { path: "/tenant", message: "another tenant" },
      ]);
    }
    const limits = principal.operator
      ? { rateLimitRpm: body.rate_limit_rpm ?? null, dailyTokenBudget: body.daily_token_budget ?? null }
      : limitsUnder(principal, body);
    const id = newKeyId();
    const secret = newSecret();
    const row = {
      id,
      name: body.name,
      tenant: body.tenant ?? (principal.operator ? `tenant_${id.slice(4)}` : principal.tenant),
      scopes: [...new Set(body.scopes)],
      keyHash: await hashSecret(secret),
      ...limits,
      createdAt: Math.floor(Date.now() / 1000),
      revokedAt: null,
      createdBy: principal.operator ? "operator" : principal.keyId,
    };
    await c.get("services").keys.create(row);
    return c.json({ ...keyInfo(row), key: secret }, 201);
  });
}
