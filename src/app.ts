import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv, Services } from "./env";
import { ProblemError, problemBody } from "./errors";
import { errorFields } from "./log";
import { allowedMethods } from "./middleware/allowed-methods";
import { requestHeader } from "./middleware/body";
import { problemOf, schemaFindings } from "./middleware/validate";
import * as cancelBatch from "./routes/batches/cancel";
import * as createBatch from "./routes/batches/create";
import * as batchEvents from "./routes/batches/events";
import * as batchItems from "./routes/batches/items";
import * as batchReport from "./routes/batches/report";
import * as listBatches from "./routes/batches/list";
import * as getBatch from "./routes/batches/get";
import * as batchResults from "./routes/batches/results";
import * as retryBatch from "./routes/batches/retry";
import * as createCalibration from "./routes/calibrations/create";
import * as getCalibration from "./routes/calibrations/get";
import * as getReliability from "./routes/calibrations/reliability";
import * as listCalibrations from "./routes/calibrations/list";
import * as createChecklist from "./routes/checklists/create";
import * as getChecklist from "./routes/checklists/get";
import * as listChecklists from "./routes/checklists/list";
import * as createComparison from "./routes/comparisons/create";
import * as createConfidence from "./routes/confidence/create";
import * as createEvaluation from "./routes/evaluations/create";
import * as getEvaluation from "./routes/evaluations/get";
import * as listEvaluations from "./routes/evaluations/list";
import * as promptfoo from "./routes/integrations/promptfoo";
import * as createKey from "./routes/keys/create";
import * as deleteKey from "./routes/keys/delete";
import * as listKeys from "./routes/keys/list";
import { type Operation, type Pages, mountOperations } from "./routes/operation";
import * as createRefinement from "./routes/refinements/create";
import * as createSelection from "./routes/selections/create";
import * as docs from "./routes/system/docs";
import * as health from "./routes/system/health";
import * as docsScript from "./routes/system/docs-script";
import * as metrics from "./routes/system/metrics";
import * as openapi from "./routes/system/openapi";
import * as problems from "./routes/system/problems";
import * as ready from "./routes/system/ready";
import * as getUsage from "./routes/usage/get";
import * as viewer from "./ui/routes";

/** The API's operations, each a module with its route, its access declaration and its handler. */
const operations = [
  health,
  ready,
  metrics,
  openapi,
  docs,
  docsScript,
  problems,
  createChecklist,
  getChecklist,
  listChecklists,
  createEvaluation,
  getEvaluation,
  listEvaluations,
  createSelection,
  createComparison,
  createRefinement,
  createCalibration,
  getCalibration,
  getReliability,
  listCalibrations,
  createConfidence,
  createBatch,
  getBatch,
  listBatches,
  batchResults,
  batchItems,
  batchReport,
  batchEvents,
  cancelBatch,
  retryBatch,
  promptfoo,
  createKey,
  listKeys,
  deleteKey,
  getUsage,
] as const;

const REQUEST_ID = /^[\w\-=.]{1,200}$/;
/** W3C trace context, version 00: trace id and parent id, neither all zeros. */
const TRACEPARENT = /^00-(?!0{32})[\da-f]{32}-(?!0{16})[\da-f]{16}-[\da-f]{2}$/;

interface OutgoingMessage {
  setHeader(name: string, value: string): unknown;
}

/** Node's response behind a context, when the app runs on @hono/node-server. */
function outgoingOf(c: Context): OutgoingMessage | undefined {
  const outgoing = (c.env as { outgoing?: OutgoingMessage } | undefined)?.outgoing;
  return outgoing && typeof outgoing.setHeader === "function" ? outgoing : undefined;
}

function problemResponse(c: Context<AppEnv>, error: ProblemError, headers: Record<string, string> = {}) {
  const id = c.get("requestId") ?? crypto.randomUUID();
  return c.json(problemBody(error, id), error.status as 400, {
    ...headers,
    "content-type": "application/problem+json",
    "x-request-id": id,
    ...(error.retryAfter !== undefined ? { "retry-after": String(error.retryAfter) } : {}),
    ...(error.code === "unauthorized" ? { "www-authenticate": 'Bearer realm="tickbox"' } : {}),
    // A body that arrived too slowly is not read to its end: the connection goes with the answer.
    ...(error.code === "request_timeout" ? { connection: "close" } : {}),
  });
}

/** Maps anything thrown to a ProblemError; unknown errors become a 500 that does not echo their message. */
function asProblem(error: unknown): ProblemError {
  if (error instanceof ProblemError) return error;
  return new ProblemError("internal", "an unexpected error occurred; the request id identifies it in the logs");
}

/**
 * Names the request (the caller's X-Request-Id when it is well-formed, else a new one) on its
 * response and in its log line, keeps the caller's traceparent, and writes one log line when the
 * request ends: never the key or any request text.
 */
function observe(services: Services) {
  return async (c: Context<AppEnv>, next: () => Promise<void>) => {
    const started = performance.now();
    const given = requestHeader(c, "x-request-id");
    const requestId = given && REQUEST_ID.test(given) ? given : crypto.randomUUID();
    c.set("requestId", requestId);
    c.set("services", services);
    const traceparent = requestHeader(c, "traceparent");
    if (traceparent && TRACEPARENT.test(traceparent)) c.set("traceparent", traceparent);
    // On Node the header goes on the outgoing message, which merges it into whatever response is
    // written: no Headers object is built for it.
    const outgoing = outgoingOf(c);
    outgoing?.setHeader("x-request-id", requestId);
    await next();
    if (!outgoing) c.header("x-request-id", requestId);
    const pattern = c.req.routePath;
    const route = pattern === "/*" ? "unmatched" : pattern;
    const status = c.res.status;
    services.metrics.requests.inc({ route, method: c.req.method, status: String(status) });
    const ctx = c.get("ctx");
    const caller = c.get("caller");
    const usage = ctx && ctx.meter.byModel.size > 0 ? ctx.meter.totals() : undefined;
    services.log.request({
      request_id: requestId,
      method: c.req.method,
      route,
      status,
      duration_ms: Math.round((performance.now() - started) * 100) / 100,
      tenant: caller?.tenant ?? null,
      key_id: caller?.keyId ?? null,
      cache: ctx?.meter.cacheOutcome() ?? "none",
      upstream_calls: usage?.upstream_calls ?? 0,
      prompt_tokens: usage?.prompt_tokens ?? 0,
      completion_tokens: usage?.completion_tokens ?? 0,
      traceparent: c.get("traceparent"),
    });
  };
}

/**
 * OpenAPIHono, but for the JSON body of an operation: the route declares it (the contract shows it)
 * and the access chain checks it, once, after the replay cache (src/auth/access.ts: checkedBody),
 * rather than zod-openapi's own validators checking it again. Query and path parameters are
 * validated by zod-openapi as usual.
 */
class OperationsApp extends OpenAPIHono<AppEnv> {
  constructor(init: ConstructorParameters<typeof OpenAPIHono<AppEnv>>[0]) {
    super(init);
    const mount = this.openapi;
    this.openapi = ((route, handler, hook) => {
      if (!route.request?.body || route.hide) return mount(route, handler, hook);
      const { middleware: _, hide: __, ...documented } = route;
      this.openAPIRegistry.registerPath(documented);
      return mount({ ...route, hide: true, request: { ...route.request, body: undefined } }, handler, hook);
    }) as OpenAPIHono<AppEnv>["openapi"];
  }
}

/**
 * Builds the HTTP application over ready-made services. The Node and Workers entries differ only
 * in how they build `services`. `served` is the API's operations and the viewer's pages, unless a
 * test serves others in the same app.
 */
export function createApp(services: Services, served: { operations: readonly Operation[]; pages: readonly Pages[] } = { operations, pages: [viewer] }) {
  const app = new OperationsApp({
    defaultHook: (result) => {
      if (!result.success) throw problemOf(schemaFindings(result.error));
    },
  });

  app.use("*", observe(services));
  mountOperations(app, services, served.operations, served.pages);

  const allowed = allowedMethods(app.routes);
  app.notFound((c) => {
    const methods = allowed(c.req.path);
    if (methods.length === 0) return problemResponse(c, new ProblemError("not_found", `no route for ${c.req.method} ${c.req.path}`));
    const problem = new ProblemError("method_not_allowed", `${c.req.path} answers ${methods.join(", ")}, not ${c.req.method}`);
    return problemResponse(c, problem, { allow: methods.join(", ") });
  });
  app.onError((error, c) => {
    const problem = asProblem(error);
    if (problem.code === "internal") services.log.error({ request_id: c.get("requestId"), ...errorFields(error) }, "unexpected error");
    return problemResponse(c, problem);
  });
  return app;
}
