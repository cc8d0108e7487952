import { type Config, upstreamSettings } from "./config";
import type { Services } from "./env";
import { ContextBuilder } from "./auth/contexts";
import { Authenticator } from "./auth/principals";
import { evaluateAsOwner } from "./batches/owner";
import { type Logger, silentLogger } from "./log";
import { BudgetedLlm } from "./usage/budgeted-llm";
import { type BudgetBook, LocalBudgets } from "./usage/budget-book";
import { UsageLedger } from "./usage/ledger";
import { Comparisons } from "./judge/comparison";
import { Calibrations } from "./judge/calibrations";
import { Confidence } from "./judge/confidence";
import { BatchService, type QueueDeps, type Runner } from "./batches/service";
import { Judge } from "./judge/judge";
import { Refinements } from "./judge/refinement";
import { Selections } from "./judge/selection";
import { RateLimiter, type RateLimits } from "./auth/rate-limit";
import { CircuitBreaker } from "./llm/breaker";
import { OpenAiCompatibleClient } from "./llm/openai-client";
import { Metrics, type MetricsScope } from "./metrics";
import { ReplayCache } from "./middleware/replay";
import type { Stores } from "./store/ports";
import { UsageRecorder } from "./usage/recorder";

/** What a runtime brings to the services beyond the configuration and the database. */
export interface ServiceOptions {
  fetch?: typeof fetch;
  /** Node: batches graded by this process (`runner` names it in their leases). */
  background?: boolean;
  runner?: Runner;
  /** Workers: batches graded by the consumers of a queue. */
  queue?: Omit<QueueDeps, "claims">;
  /** Where rate limits and budgets are kept; this process's memory unless given (Workers: Durable Objects). */
  rateLimits?: RateLimits;
  budgets?: BudgetBook;
  /** Said at the top of /metrics when the counts are not the whole deployment's (one isolate's, on Workers). */
  metricsScope?: MetricsScope;
  log?: Logger;
  docsScript?: () => Promise<string>;
}

/**
 * Wires the judge to the stores (SQLite on Node, D1 on Workers: see src/store/ports.ts) and, when
 * configured, to the upstream model: the same on every runtime.
 */
export function buildServices(config: Config, stores: Stores, options: ServiceOptions = {}): Services {
  const metrics = new Metrics(options.metricsScope);
  const store = stores.judge;
  const upstream = upstreamSettings(config);
  const client = upstream.configured
    ? new OpenAiCompatibleClient({
        baseURL: upstream.baseURL,
        apiKey: upstream.apiKey,
        timeoutMs: config.TICKBOX_UPSTREAM_TIMEOUT_MS,
        maxRetries: config.TICKBOX_UPSTREAM_RETRIES,
        concurrency: config.TICKBOX_UPSTREAM_CONCURRENCY,
        structuredOutput: config.TICKBOX_STRUCTURED_OUTPUT,
        logprobs: config.TICKBOX_LOGPROBS,
        maxAnswerBytes: config.TICKBOX_MAX_ANSWER_BYTES,
        metrics,
        ...(options.fetch ? { fetch: options.fetch } : {}),
      })
    : null;
  // Every call reserves its tokens against the caller's budget before it waits for the breaker.
  const llm =
    client &&
    new BudgetedLlm(
      new CircuitBreaker(client, {
        failures: config.TICKBOX_BREAKER_FAILURES,
        cooldownMs: config.TICKBOX_BREAKER_COOLDOWN_MS,
        onStateChange: (state) => metrics.breakerState.set(state),
      }),
    );
  const judge = new Judge({
    store,
    metrics,
    llm,
    missingUpstream: upstream.configured ? [] : upstream.missing,
    judgeModel: upstream.configured ? upstream.judgeModel : null,
    judgeModels: upstream.configured ? upstream.judgeModels : [],
    checklistModel: upstream.configured ? upstream.checklistModel : null,
    structuredOutput: config.TICKBOX_STRUCTURED_OUTPUT,
    passThreshold: config.TICKBOX_PASS_THRESHOLD,
    cacheScope: config.TICKBOX_CACHE_SCOPE,
  });
  const pairwise = stores.pairwise;
  const comparisons = new Comparisons({ judge, store: pairwise, metrics });
  const selections = new Selections({ judge, comparisons });
  const refinements = new Refinements({ judge, store: pairwise, metrics, reviserModel: config.TICKBOX_REVISER_MODEL ?? null });
  const calibrations = new Calibrations(stores.calibrations, store);
  const confidence = new Confidence(calibrations, judge, store, comparisons);
  const usageStore = stores.usage;
  const usage = { store: usageStore, recorder: new UsageRecorder(usageStore), prices: config.TICKBOX_PRICES };
  const replay = new ReplayCache(config.TICKBOX_REPLAY_CACHE_MB * 1024 * 1024);
  const keys = stores.keys;
  const log = options.log ?? silentLogger;
  const ledger = new UsageLedger(usage.recorder, options.budgets ?? new LocalBudgets(usage.recorder, keys));
  const contexts = new ContextBuilder({ ledger, recorder: usage.recorder, log, deadlineMs: config.TICKBOX_REQUEST_DEADLINE_MS });
  const access = {
    auth: new Authenticator(keys, config.TICKBOX_ADMIN_KEY),
    limiter: options.rateLimits ?? new RateLimiter(),
    metricsPublic: config.TICKBOX_METRICS_PUBLIC,
  };
  const services: Services = {
    judge,
    selections,
    comparisons,
    refinements,
    calibrations,
    confidence,
    store,
    metrics,
    replay,
    keys,
    listings: stores.listings,
    batchViews: stores.batchViews,
    ...(options.docsScript ? { docsScript: options.docsScript } : {}),
    usage,
    ledger,
    contexts,
    access,
    log,
    limits: {
      maxBodyBytes: config.TICKBOX_MAX_BODY_BYTES,
      maxBatchBodyBytes: config.TICKBOX_MAX_BATCH_BODY_BYTES,
      bodyTimeoutMs: config.TICKBOX_REQUEST_TIMEOUT_MS,
      requestDeadlineMs: config.TICKBOX_REQUEST_DEADLINE_MS,
      maxTextChars: config.TICKBOX_MAX_TEXT_CHARS,
      maxCandidates: config.TICKBOX_MAX_CANDIDATES,
      maxChecklistItems: config.TICKBOX_MAX_CHECKLIST_ITEMS,
    },
  };
  if (options.background || options.queue) {
    services.batches = new BatchService({
      store: stores.batches,
      evaluate: evaluateAsOwner({ auth: access.auth, ledger, contexts, judge }),
      defaultConcurrency: config.TICKBOX_UPSTREAM_CONCURRENCY,
      ...(options.queue ? { queue: { ...options.queue, claims: stores.claims } } : {}),
      ...(options.runner ? { runner: options.runner } : {}),
      leaseMs: config.TICKBOX_BATCH_LEASE_MS,
    });
  }
  return services;
}
