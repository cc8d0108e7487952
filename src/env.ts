import type { OpenAPIHono } from "@hono/zod-openapi";
import type { BatchService } from "./batches/service";
import type { Judge } from "./judge/judge";
import type { Metrics } from "./metrics";
import type { ReplayCache } from "./middleware/replay";
import type { Store } from "./store/store";

/** What every handler can reach through `c.get("services")`; built once per process or isolate. */
export interface Services {
  judge: Judge;
  store: Store;
  metrics: Metrics;
  replay: ReplayCache;
  limits: { maxBodyBytes: number; maxBatchBodyBytes: number };
  /**
   * Background batches need a process that outlives the request: built by the Node entry
   * (`buildServices(…, { background: true })`), absent elsewhere, where the batch routes answer 501.
   */
  batches?: BatchService;
}

export interface AppEnv {
  Variables: {
    requestId: string;
    services: Services;
    /** The raw JSON body, read once by `readJsonBody`. */
    bodyText?: string;
    /** A successful response a route allows the replay cache to keep. */
    replayable?: object;
  };
}

export type App = OpenAPIHono<AppEnv>;
