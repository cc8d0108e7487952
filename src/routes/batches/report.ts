import { createRoute, z } from "@hono/zod-openapi";
import type { Access } from "../../auth/access";
import type { App } from "../../env";
import { costOf } from "../../usage/report";
import { BatchId, batchByIdErrors, batchesOf } from "./shapes";

const Mean = z.number().nullable();

export const BatchReport = z
  .object({
    id: z.string(),
    outcomes: z.object({ passed: z.number().int(), failed: z.number().int(), errored: z.number().int(), pending: z.number().int() }),
    mean_scores: z.object({
      pass_rate: Mean,
      weighted: Mean,
      soft: Mean.openapi({ description: "Over the graded items that have a soft score (graded with logprobs)." }),
      soft_items: z.number().int(),
    }),
    usage_by_model: z.array(
      z.object({
        model: z.string(),
        upstream_calls: z.number().int(),
        prompt_tokens: z.number().int(),
        completion_tokens: z.number().int(),
        cost_usd: z.number().nullable(),
      }),
    ),
    cost_usd: z.number().nullable().openapi({
      description:
        "Estimated from TICKBOX_PRICES at the grading model's price (checklist generation included); null when a model that used tokens has no price.",
    }),
    checklist: z
      .object({
        id: z.string(),
        graded: z.number().int(),
        items: z.array(
          z.object({ id: z.string(), question: z.string(), weight: z.number().int(), must_pass: z.boolean(), yes: z.number().int(), no: z.number().int() }),
        ),
      })
      .nullable()
      .openapi({ description: "The checklist every graded item shares, with YES and NO counts per question; null when the items use different checklists." }),
  })
  .openapi("BatchReport");

export const route = createRoute({
  method: "get",
  path: "/v1/batches/{id}/report",
  tags: ["batches"],
  summary: "A batch's outcomes, mean scores, cost by model, and which checklist questions fail most",
  request: { params: BatchId },
  responses: {
    200: { description: "The report.", content: { "application/json": { schema: BatchReport } } },
    ...batchByIdErrors,
  },
});

export const access: Access = { auth: "key", scopes: ["evaluate"], objects: { path: "batch" }, spends: false };

export function register(app: App) {
  return app.openapi(route, async (c) => {
    const batches = batchesOf(c);
    const { id } = c.req.valid("param");
    await batches.get(id);
    const { batchViews, usage, judge } = c.get("services");
    const [totals, tokens, shared] = await Promise.all([
      batchViews.totals(id),
      batchViews.tokensByModel(id, judge.upstreamModel()),
      batchViews.sharedChecklist(id),
    ]);
    const usageByModel = tokens.map((t) => ({
      model: t.model,
      upstream_calls: t.upstreamCalls,
      prompt_tokens: t.promptTokens,
      completion_tokens: t.completionTokens,
      cost_usd: costOf(usage.prices, t.model, t.promptTokens, t.completionTokens),
    }));
    const spent = usageByModel.filter((m) => m.prompt_tokens + m.completion_tokens > 0);
    const costUsd = spent.some((m) => m.cost_usd === null) ? null : spent.reduce((sum, m) => sum + (m.cost_usd ?? 0), 0);
    return c.json(
      {
        id,
        outcomes: { passed: totals.passed, failed: totals.failed, errored: totals.errored, pending: totals.pending },
        mean_scores: { pass_rate: totals.meanPassRate, weighted: totals.meanWeighted, soft: totals.meanSoft, soft_items: totals.softCount },
        usage_by_model: usageByModel,
        cost_usd: costUsd,
        checklist: shared && {
          id: shared.id,
          graded: shared.graded,
          items: shared.items.map((item, k) => ({ ...item, yes: shared.yes[k] ?? 0, no: shared.graded - (shared.yes[k] ?? 0) })),
        },
      },
      200,
    );
  });
}
