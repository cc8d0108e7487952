import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Comparisons } from "./judge/comparison";
import type { Calibrations } from "./judge/calibrations";
import type { Confidence } from "./judge/confidence";
import type { Capabilities } from "./capabilities";
import type { Principal } from "./auth/access";
import type { RateLimiter } from "./auth/rate-limit";
import type { BatchService } from "./batches/service";
import type { Judge } from "./judge/judge";
import type { Refinements } from "./judge/refinement";
import type { Selections } from "./judge/selection";
import type { Metrics } from "./metrics";
import type { BodyLimits } from "./middleware/body-stream";
import type { RequestLimits } from "./middleware/limits";
import type { ReplayCache } from "./middleware/replay";
import type { PriceTable } from "./config";
import type { KeyStore } from "./store/keys-store";
import type { BatchViews } from "./store/batch-views";
import type { Listings } from "./store/listings";
import type { UsageStore } from "./store/usage-store";
import type { Meter } from "./usage/meter";
import type { UsageRecorder } from "./usage/recorder";
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
  keys: KeyStore;
  /** Newest-first lists of a tenant's objects, and read-only views of a batch's items. */
  listings: Listings;
  batchViews: BatchViews;
  /** The API reference's browser script, served by /docs (read from node_modules, or bundled on Workers). */
  docsScript?: () => Promise<string>;
  usage: { store: UsageStore; recorder: UsageRecorder; prices: PriceTable };
  access: { adminKey: string | undefined; limiter: RateLimiter; metricsPublic: boolean };
  limits: RequestLimits & { maxBodyBytes: number; maxBatchBodyBytes: number; bodyTimeoutMs: number };
  /** What this runtime can do; features that need more answer 501 (see `requireCapability`). */
  capabilities: Capabilities;
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
    /** The authenticated caller (set on /v1 routes). */
    principal?: Principal;
    /** What this request costs upstream and saves through the cache. */
    meter?: Meter;
    /** The raw JSON body, read once by `readJsonBody`. */
    bodyText?: string;
    /** For a route whose body is streamed: the limits `streamBody` reads it within. */
    bodyLimits?: BodyLimits;
    /** A successful response a route allows the replay cache to keep. */
    replayable?: object;
  };
}

export type App = OpenAPIHono<AppEnv>;
