import { type Config, upstreamSettings } from "./config";
import type { Services } from "./env";
import { BatchService } from "./batches/service";
import { Judge } from "./judge/judge";
import { OpenAiCompatibleClient } from "./llm/openai-client";
import { Metrics } from "./metrics";
import { ReplayCache } from "./middleware/replay";
import { createBatchStore } from "./store/batch-store";
import { createDrizzleStore, type SqliteDb } from "./store/store";

/**
 * Wires the judge to the database (better-sqlite3 on Node, D1 on Workers) and, when configured, to
 * the upstream model: the same on every runtime.
 */
export function buildServices(config: Config, db: SqliteDb, options: { fetch?: typeof fetch; background?: boolean } = {}): Services {
  const metrics = new Metrics();
  const store = createDrizzleStore(db);
  const upstream = upstreamSettings(config);
  const llm = upstream.configured
    ? new OpenAiCompatibleClient({
        baseURL: upstream.baseURL,
        apiKey: upstream.apiKey,
        timeoutMs: config.TICKBOX_UPSTREAM_TIMEOUT_MS,
        maxRetries: config.TICKBOX_UPSTREAM_RETRIES,
        concurrency: config.TICKBOX_UPSTREAM_CONCURRENCY,
        structuredOutput: config.TICKBOX_STRUCTURED_OUTPUT,
        logprobs: config.TICKBOX_LOGPROBS,
        metrics,
        ...(options.fetch ? { fetch: options.fetch } : {}),
      })
    : null;
  const judge = new Judge({
    store,
    metrics,
    llm,
    missingUpstream: upstream.configured ? [] : upstream.missing,
    judgeModel: upstream.configured ? upstream.judgeModel : null,
    checklistModel: upstream.configured ? upstream.checklistModel : null,
    structuredOutput: config.TICKBOX_STRUCTURED_OUTPUT,
    passThreshold: config.TICKBOX_PASS_THRESHOLD,
  });
  const replay = new ReplayCache(config.TICKBOX_REPLAY_CACHE_MB * 1024 * 1024);
  const limits = { maxBodyBytes: config.TICKBOX_MAX_BODY_BYTES, maxBatchBodyBytes: config.TICKBOX_MAX_BATCH_BODY_BYTES };
  const services: Services = { judge, store, metrics, replay, limits };
  if (options.background) {
    services.batches = new BatchService({
      store: createBatchStore(db),
      evaluate: (input) => judge.evaluate(input),
      defaultConcurrency: config.TICKBOX_UPSTREAM_CONCURRENCY,
    });
  }
  return services;
}
