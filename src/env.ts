import type { OpenAPIHono } from "@hono/zod-openapi";
import type { ContextBuilder } from "./auth/contexts";
import type { Authenticator } from "./auth/principals";
import type { RateLimits } from "./auth/rate-limit";
import type { BatchService } from "./batches/service";
import type { PriceTable } from "./config";
import type { Principal, RequestContext } from "./context";
import type { Calibrations } from "./judge/calibrations";
import type { Comparisons } from "./judge/comparison";
import type { Confidence } from "./judge/confidence";
import type { Judge } from "./judge/judge";
import type { Refinements } from "./judge/refinement";
import type { Selections } from "./judge/selection";
import type { Logger } from "./log";
import type { Metrics } from "./metrics";
import type { BodyLimits } from "./middleware/body-stream";
import type { RequestLimits } from "./middleware/limits";
import type { ReplayCache } from "./middleware/replay";
import type { KeyStore } from "./store/ports";
import type { BatchViews } from "./store/ports";
import type { Listings } from "./store/ports";
import type { Store } from "./store/ports";
import type { UsageStore } from "./store/ports";
import type { UsageLedger } from "./usage/ledger";
import type { UsageRecorder } from "./usage/recorder";

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
  /** Budgets: reservations of upstream tokens per key. */
  ledger: UsageLedger;
  /** The one builder of request contexts (HTTP requests, batch items, the command line). */
  contexts: ContextBuilder;
  access: { auth: Authenticator; limiter: RateLimits; metricsPublic: boolean };
  limits: RequestLimits & { maxBodyBytes: number; maxBatchBodyBytes: number; bodyTimeoutMs: number };
  /** Request lines and errors: pino on Node, JSON console lines on Workers, nothing in-process tests. */
  log: Logger;
  /**
   * Background batches need a process that outlives the request or a queue: built by the Node
   * entry (`background: true`) and by a Worker with BATCH_QUEUE bound (`queue`), absent elsewhere.
   * Its absence is the one thing this runtime cannot do: the batch routes then answer 501
   * (`batchesOf`, src/routes/batches/shapes.ts).
   */
  batches?: BatchService;
}

export interface AppEnv {
  Variables: {
    requestId: string;
    services: Services;
    /** The caller's W3C traceparent, when it sent a well-formed one. */
    traceparent?: string | undefined;
    /** Who the request's key is, set as soon as it is recognised: the log names them even when the access checks refuse the request. */
    caller?: Principal;
    /** The request's context, made by the access middleware of every operation that needs a key. */
    ctx?: RequestContext;
    /** The raw JSON body, read once by `readJsonBody`; parsed and checked after the replay cache. */
    bodyText?: string;
    /** For a route whose body is streamed: the limits `streamBody` reads it within. */
    bodyLimits?: BodyLimits;
    /** A successful response a route allows the replay cache to keep. */
    replayable?: object;
  };
}

export type App = OpenAPIHono<AppEnv>;
