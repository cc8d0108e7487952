import { createRoute, z } from "@hono/zod-openapi";
import type { Access } from "../../auth/access";
import { hasScope } from "../../context";
import type { App } from "../../env";
import { ProblemError } from "../../errors";
import { usageKey } from "../../usage/ledger";
import { usageReport } from "../../usage/report";
import { contextOf } from "../operation";
import { Problem, QueryDate, commonErrors, maxChars } from "../schemas";

const ModelUsage = z.object({
  model: z.string(),
  upstream_calls: z.number().int(),
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  cost_usd: z.number().nullable(),
});

const DayUsage = z
  .object({
    key_id: z.string().openapi({ description: '"open" without an admin key; "admin" for TICKBOX_ADMIN_KEY.' }),
    tenant: z.string(),
    day: z.string(),
    requests: z.number().int(),
    upstream_calls: z.number().int(),
    prompt_tokens: z.number().int(),
    completion_tokens: z.number().int(),
    cache_hits: z.number().int(),
    tokens_saved: z.number().int().openapi({ description: "Upstream tokens the cache saved: what the cached results cost when first computed." }),
    cost_usd: z.number().nullable().openapi({ description: "Estimated from TICKBOX_PRICES; null when a model has no price." }),
    models: z.array(ModelUsage),
  })
  .openapi("DayUsage");

export const route = createRoute({
  method: "get",
  path: "/v1/usage",
  tags: ["usage"],
  summary: "Usage per key and UTC day: requests, upstream calls and tokens, cache hits and savings, estimated cost",
  description:
    "A key sees its own usage; a key with the admin scope, every key's of its tenant; TICKBOX_ADMIN_KEY, every key's (or one with `key_id`, or one tenant's with `tenant`). Never refused for budget: it costs no upstream call.",
  request: {
    query: z.object({
      from: QueryDate.optional().openapi({ description: "The first UTC day (YYYY-MM-DD)." }),
      to: QueryDate.optional().openapi({ description: "The last UTC day (YYYY-MM-DD)." }),
      key_id: maxChars(z.string(), 100).optional(),
      tenant: maxChars(z.string().min(1), 200).optional().openapi({ description: "TICKBOX_ADMIN_KEY only: one tenant's keys." }),
    }),
  },
  responses: {
    200: { description: "Usage by key and day.", content: { "application/json": { schema: z.object({ usage: z.array(DayUsage) }) } } },
    403: { description: "A key without the admin scope asked for another key's usage.", content: { "application/problem+json": { schema: Problem } } },
    422: commonErrors[422],
    500: commonErrors[500],
  },
});

export const access: Access = { auth: "key", scopes: [], spends: false };

export function register(app: App) {
  return app.openapi(route, async (c) => {
    const { from, to, key_id, tenant } = c.req.valid("query");
    const { principal } = contextOf(c);
    const own = usageKey(principal);
    const tenantAdmin = !principal.operator && hasScope(principal, "admin");
    if (key_id && key_id !== own && !principal.operator && !tenantAdmin) {
      throw new ProblemError("forbidden", "a key may only read its own usage");
    }
    // The operator reads any tenant's; a tenant admin its own tenant's; any other key its own.
    const scope = principal.operator
      ? { ...(key_id ? { keyId: key_id } : {}), ...(tenant ? { tenant } : {}) }
      : tenantAdmin
        ? { tenant: principal.tenant, ...(key_id ? { keyId: key_id } : {}) }
        : { keyId: own };
    const { store, recorder, prices } = c.get("services").usage;
    await recorder.flush();
    const rows = await store.list({ ...scope, ...(from ? { from } : {}), ...(to ? { to } : {}) });
    return c.json({ usage: usageReport(rows, prices) }, 200);
  });
}
