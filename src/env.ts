import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Judge } from "./judge/judge";
import type { Metrics } from "./metrics";
import type { Store } from "./store/store";

/** What every handler can reach through `c.get("services")`; built once per process or isolate. */
export interface Services {
  judge: Judge;
  store: Store;
  metrics: Metrics;
  limits: { maxBodyBytes: number };
}

export interface AppEnv {
  Variables: { requestId: string; services: Services };
}

export type App = OpenAPIHono<AppEnv>;
