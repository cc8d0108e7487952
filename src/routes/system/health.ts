import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../env";
import { Problem } from "../schemas";

const Status = z.object({ status: z.string() }).openapi("Status");

const healthz = createRoute({
  method: "get",
  path: "/healthz",
  tags: ["operations"],
  summary: "Liveness: the process answers",
  responses: { 200: { description: "Alive.", content: { "application/json": { schema: Status } } } },
});

const readyz = createRoute({
  method: "get",
  path: "/readyz",
  tags: ["operations"],
  summary: "Readiness: the database answers a query",
  responses: {
    200: { description: "Ready.", content: { "application/json": { schema: Status } } },
    503: { description: "The database is unreachable.", content: { "application/problem+json": { schema: Problem } } },
  },
});

const metrics = createRoute({
  method: "get",
  path: "/metrics",
  tags: ["operations"],
  summary: "Prometheus metrics",
  description:
    "Requests by route and status, cache hits and misses, upstream calls, tokens and latency. Counted per process.",
  responses: { 200: { description: "Prometheus text format 0.0.4.", content: { "text/plain": { schema: z.string() } } } },
});

export function register(app: App) {
  app.openapi(healthz, (c) => c.json({ status: "ok" }, 200));
  app.openapi(readyz, async (c) => {
    try {
      await c.get("services").store.ping();
      return c.json({ status: "ready" }, 200);
    } catch {
      const body = {
        type: "/problems/internal",
        title: "Not ready",
        status: 503,
        detail: "the database did not answer",
        instance: `urn:request:${c.get("requestId")}`,
        code: "internal" as const,
      };
      return c.json(body, 503, { "content-type": "application/problem+json" });
    }
  });
  app.openapi(metrics, (c) =>
    c.text(c.get("services").metrics.render(), 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }),
  );
}
