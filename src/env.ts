import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Comparisons } from "./judge/comparison";
import type { Calibrations } from "./judge/calibrations";
import type { Confidence } from "./judge/confidence";
import type { Capabilities } from "./capabilities";
import type { Judge } from "./judge/judge";
import type { Refinements } from "./judge/refinement";
import type { Selections } from "./judge/selection";
import type { Metrics } from "./metrics";
import type { ReplayCache } from "./middleware/replay";
import type { Store } from "./store/store";

/** What every handler can reach through `c.get("services")`; built once per process or isolate. */
export interface Services {
  judge: Judge;
  selections: Selections;
  comparisons: Comparisons;
  refinements: Refinements;
  calibrations: Calibrations;
  confidence: Confidence;
  store: Store;
  metrics: Metrics;
  replay: ReplayCache;
  limits: { maxBodyBytes: number };
  /** What this runtime can do; features that need more answer 501 (see `requireCapability`). */
  capabilities: Capabilities;
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
