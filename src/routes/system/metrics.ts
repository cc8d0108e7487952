import { createRoute, z } from "@hono/zod-openapi";
import type { Access } from "../../auth/access";
import type { App } from "../../env";
import { problemResponse } from "../schemas";

export const route = createRoute({
  method: "get",
  path: "/metrics",
  tags: ["operations"],
  summary: "Prometheus metrics",
  description:
    "Requests by route and status, cache hits and misses, upstream calls, tokens and latency. Counted per process. Public unless TICKBOX_METRICS_PUBLIC=false, which puts it behind TICKBOX_ADMIN_KEY.",
  responses: {
    200: { description: "Prometheus text format 0.0.4.", content: { "text/plain": { schema: z.string() } } },
    401: problemResponse("TICKBOX_METRICS_PUBLIC=false and no key was sent."),
    403: problemResponse("TICKBOX_METRICS_PUBLIC=false and the key is not TICKBOX_ADMIN_KEY."),
  },
});

export const access: Access = { auth: "public", operatorOnly: (services) => !services.access.metricsPublic };

export function register(app: App) {
  return app.openapi(route, (c) => c.text(c.get("services").metrics.render(), 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }));
}
