import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../env";
import { ProblemError } from "../../errors";
import { usageReport } from "../../usage/report";
import { Problem, commonErrors } from "../schemas";

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a UTC date, YYYY-MM-DD");

const ModelUsage = z.object({
  model: z.string(),
  upstream_calls: z.number().int(),
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  cost_usd: z.number().nullable(),
});

const DayUsage = z
  .object({
    key_id: z.string().openapi({ description: '"open" without an admin key; "admin" for the admin key.' }),
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
  description: "A key sees its own usage; the admin key sees every key's, or one with `key_id`.",
  request: { query: z.object({ from: Day.optional(), to: Day.optional(), key_id: z.string().max(100).optional() }) },
  responses: {
    200: { description: "Usage by key and day.", content: { "application/json": { schema: z.object({ usage: z.array(DayUsage) }) } } },
    403: { description: "A key asked for another key's usage.", content: { "application/problem+json": { schema: Problem } } },
    422: commonErrors[422],
    500: commonErrors[500],
  },
});

export function register(app: App) {
  return app.openapi(route, async (c) => {
    const { from, to, key_id } = c.req.valid("query");
    const principal = c.get("principal");
    const isAdmin = principal?.scopes.includes("admin") ?? false;
    if (key_id && !isAdmin && key_id !== principal?.keyId) {
      throw new ProblemError("forbidden", "a key may only read its own usage");
    }
    const { store, recorder, prices } = c.get("services").usage;
    await recorder.flush();
    const keyId = isAdmin ? key_id : (principal?.keyId ?? "open");
    const rows = await store.list({ ...(keyId ? { keyId } : {}), ...(from ? { from } : {}), ...(to ? { to } : {}) });
    return c.json({ usage: usageReport(rows, prices) }, 200);
  });
}
