// Cloudflare Workers entry: the same app and services as on Node, over the D1 binding; batches on a
// Cloudflare Queue, rate limits, budgets and batch slots in Durable Objects.
// Nothing here may import Node-only modules (server.ts, store/sqlite.ts, better-sqlite3).
import { z } from "zod";
import { createApp } from "./app";
import { configSchema } from "./config";
import type { Services } from "./env";
import { ProblemError, problemBody } from "./errors";
import { reviewKeys } from "./auth/review";
import type { BatchQueue } from "./batches/queue-runner";
import { consoleLogger } from "./log";
import type { MetricsScope } from "./metrics";
import { buildServices, type ServiceOptions } from "./services";
import type { BatchGate } from "./workers/batch-gate";
import { DurableBudgets, DurableRateLimits, batchSlots } from "./workers/durable-clients";
import type { KeyLimits } from "./workers/key-limits";
import { consumeBatches } from "./workers/queue-consumer";

export { BatchGate } from "./workers/batch-gate";
export { KeyLimits } from "./workers/key-limits";
// The API reference's browser bundle as a string (a Text module rule in wrangler.toml): /docs
// serves it from the Worker itself. The package's exports do not name the file, hence the path;
// TypeScript sees a JavaScript file there, not the string the rule makes of it.
// @ts-expect-error: a Text module, whose default export is the file's text
import docsScript from "../node_modules/@scalar/api-reference/dist/browser/standalone.js";
import { openD1 } from "./store/d1";
import { createSqlStores } from "./store/sql-stores";

const d1Database = z.custom<D1Database>(
  (value) =>
    typeof value === "object" &&
    value !== null &&
    typeof (value as Partial<D1Database>).prepare === "function" &&
    typeof (value as Partial<D1Database>).batch === "function",
  'must be a D1 database binding ([[d1_databases]] binding = "DB" in wrangler.toml)',
);

const hasMethods = (value: unknown, ...names: string[]) =>
  typeof value === "object" && value !== null && names.every((name) => typeof (value as Record<string, unknown>)[name] === "function");

const queueBinding = z.custom<Queue<unknown>>(
  (value) => hasMethods(value, "send", "sendBatch"),
  "must be a queue producer binding ([[queues.producers]] in wrangler.toml)",
);
const objectNamespace = <T extends Rpc.DurableObjectBranded>(className: string) =>
  z.custom<DurableObjectNamespace<T>>(
    (value) => hasMethods(value, "idFromName", "get"),
    `must be a Durable Object binding of class ${className} ([[durable_objects.bindings]] in wrangler.toml)`,
  );

/**
 * The bindings and vars the Worker reads: the Node configuration plus the D1 database, and for
 * batches and limits across isolates the queue and Durable Object bindings (see wrangler.toml).
 */
export const bindingsSchema = configSchema
  .extend({
    DB: d1Database,
    /** Batches: the queue their items are sent to. Without it, the batch routes answer 501. */
    BATCH_QUEUE: queueBinding.optional(),
    /** Batches: one object per batch keeping its upstream slots across consumers. Needed with BATCH_QUEUE. */
    BATCH_GATES: objectNamespace<BatchGate>("BatchGate").optional(),
    /** Rate limits and daily budgets: one object per key. Without it, each isolate keeps its own. */
    KEY_LIMITS: objectNamespace<KeyLimits>("KeyLimits").optional(),
    /** The dead-letter queue of BATCH_QUEUE, as named in wrangler.toml: its messages are items whose attempts are spent. */
    TICKBOX_DEAD_LETTER_QUEUE: z.string().trim().min(1).default("tickbox-batches-dlq"),
    /** Seconds before an item the upstream failed is tried again, doubled at each attempt (at most 300). */
    TICKBOX_BATCH_RETRY_SECONDS: z.preprocess(
      (v) => (v === undefined || v === "" ? 5 : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v),
      z.number({ error: "must be a whole number in decimal" }).int().min(0).max(300),
    ),
  })
  .refine((bindings) => !bindings.BATCH_QUEUE || bindings.BATCH_GATES, {
    path: ["BATCH_GATES"],
    message: "must be bound with BATCH_QUEUE: a batch's concurrency holds across consumers through it",
  });

export type WorkerBindings = { DB: D1Database } & Record<string, unknown>;

/** The longest wait between two attempts of an item the upstream failed. */
const MAX_RETRY_DELAY_SECONDS = 300;

/**
 * Each isolate's /metrics says it is one isolate's, and which (named on its first request: a Worker
 * may not draw random numbers at start-up).
 */
let metricsScope: MetricsScope | undefined;
const isolateScope = (): MetricsScope =>
  (metricsScope ??= {
    note: "tickbox on Cloudflare Workers: these counts are this isolate's alone (isolates share no memory); usage (/v1/usage) and batch counts are exact, from D1",
    labels: { scope: "isolate", isolate: crypto.randomUUID().slice(0, 8) },
  });

/** The app and services for one env object, or why its bindings cannot make them. */
export type WorkerInstance = { app: ReturnType<typeof createApp>; services: Services; deadLetterQueue: string } | { problem: ProblemError };

// The env object is the same for every request an isolate serves, so services (metrics, the
// replay cache, single-flight, the upstream client's limiter) live as long as the isolate. A new
// env object (a redeploy with other vars, or a test) gets its own.
const instances = new WeakMap<object, WorkerInstance>();
/** The start-up review of keys (see reviewKeys), run once per isolate, after its first response. */
let reviewed: Promise<void> | undefined;

function build(env: WorkerBindings): WorkerInstance {
  const parsed = bindingsSchema.safeParse(env);
  if (!parsed.success) {
    const named = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    console.error(`tickbox worker misconfigured: ${named.join("; ")}`);
    return { problem: new ProblemError("misconfigured", `the Worker's bindings are invalid: ${named.join("; ")}`) };
  }
  const {
    DB,
    BATCH_QUEUE,
    BATCH_GATES,
    KEY_LIMITS,
    TICKBOX_DEAD_LETTER_QUEUE: deadLetterQueue,
    TICKBOX_BATCH_RETRY_SECONDS: retrySeconds,
    ...config
  } = parsed.data;
  const stores = createSqlStores(openD1(DB));
  // The Worker's console is its log: one JSON line per request, as on Node.
  const log = consoleLogger();
  const options: ServiceOptions = { log, docsScript: async () => docsScript as string, metricsScope: isolateScope() };
  if (BATCH_QUEUE && BATCH_GATES) {
    options.queue = {
      queue: BATCH_QUEUE as BatchQueue,
      slotsFor: (row) => batchSlots(BATCH_GATES, row),
      retryDelaySeconds: (attempts) => Math.min(MAX_RETRY_DELAY_SECONDS, retrySeconds * 2 ** Math.max(0, attempts - 1)),
    };
  }
  if (KEY_LIMITS) {
    options.rateLimits = new DurableRateLimits(KEY_LIMITS);
    options.budgets = new DurableBudgets(KEY_LIMITS);
  } else {
    console.warn("tickbox worker: KEY_LIMITS is not bound, so each isolate keeps its own rate limits and budget reservations");
  }
  const services = buildServices(config, stores, options);
  reviewed = reviewKeys(services.keys, services.access.auth, log).catch((error) => console.error("key review:", error));
  return { app: createApp(services), services, deadLetterQueue };
}

function misconfigured(problem: ProblemError): Response {
  const requestId = crypto.randomUUID();
  return new Response(JSON.stringify(problemBody(problem, requestId)), {
    status: problem.status,
    headers: { "content-type": "application/problem+json", "x-request-id": requestId },
  });
}

/** The instance serving an env object, built on its first request. */
export function instanceFor(env: WorkerBindings): WorkerInstance {
  let instance = instances.get(env);
  if (!instance) {
    instance = build(env);
    instances.set(env, instance);
  }
  return instance;
}

export default {
  fetch(request: Request, env: WorkerBindings, ctx: ExecutionContext): Response | Promise<Response> {
    const entry = instanceFor(env);
    if ("problem" in entry) return misconfigured(entry.problem);
    const response = entry.app.fetch(request, env, ctx);
    // No timer outlives a request on Workers: the usage it added is written after the response.
    ctx.waitUntil(
      Promise.resolve(response)
        .then(() => entry.services.usage.recorder.flush())
        .catch((error) => console.error("usage accounting:", error)),
    );
    if (reviewed) {
      ctx.waitUntil(reviewed);
      reviewed = undefined;
    }
    return response;
  },

  /** The consumer of the batch queue and of its dead-letter queue (see src/batches/queue-work.ts). */
  async queue(batch: MessageBatch<unknown>, env: WorkerBindings): Promise<void> {
    const entry = instanceFor(env);
    if ("problem" in entry) {
      batch.retryAll();
      return;
    }
    await consumeBatches(batch, entry.services, entry.deadLetterQueue);
  },
} satisfies ExportedHandler<WorkerBindings>;
