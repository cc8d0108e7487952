import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { AppEnv, Services } from "./env";
import { ProblemError, problemBody } from "./errors";
import { allowedMethods } from "./middleware/allowed-methods";
import { access } from "./auth/access";
import { readJsonBody, requestHeader } from "./middleware/body";
import { enforceLimits, problemOf, schemaFindings } from "./middleware/validate";
import { replay } from "./middleware/replay";
import * as createCalibration from "./routes/calibrations/create";
import * as getCalibration from "./routes/calibrations/get";
import * as getReliability from "./routes/calibrations/reliability";
import * as listCalibrations from "./routes/calibrations/list";
import * as createComparison from "./routes/comparisons/create";
import * as createConfidence from "./routes/confidence/create";
import * as cancelBatch from "./routes/batches/cancel";
import * as createBatch from "./routes/batches/create";
import * as batchEvents from "./routes/batches/events";
import * as batchItems from "./routes/batches/items";
import * as batchReport from "./routes/batches/report";
import * as listBatches from "./routes/batches/list";
import * as getBatch from "./routes/batches/get";
import * as batchResults from "./routes/batches/results";
import * as retryBatch from "./routes/batches/retry";
import * as createChecklist from "./routes/checklists/create";
import * as getChecklist from "./routes/checklists/get";
import * as listChecklists from "./routes/checklists/list";
import * as createEvaluation from "./routes/evaluations/create";
import * as getEvaluation from "./routes/evaluations/get";
import * as listEvaluations from "./routes/evaluations/list";
import * as createRefinement from "./routes/refinements/create";
import * as createSelection from "./routes/selections/create";
import * as createKey from "./routes/keys/create";
import * as deleteKey from "./routes/keys/delete";
import * as listKeys from "./routes/keys/list";
import * as docs from "./routes/system/docs";
import * as getUsage from "./routes/usage/get";
import * as health from "./routes/system/health";
import * as promptfoo from "./routes/integrations/promptfoo";
import * as viewer from "./ui/routes";

/** The API's operations; those whose `register` returns the typed app also shape `AppType`. */
const routes = [
  health,
  docs,
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
  viewer,
] as const;

const REQUEST_ID = /^[\w\-=.]{1,200}$/;

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
  if (error instanceof HTTPException) {
    if (error.status === 415) {
      return new ProblemError("unsupported_media_type", "send the body as application/json");
    }
    if (error.status === 400) {
      return new ProblemError("invalid_json", "the body could not be parsed as JSON", [{ path: "", message: "malformed JSON" }]);
    }
  }
  return new ProblemError("internal", "an unexpected error occurred; the request id identifies it in the logs");
}

/**
 * Builds the HTTP application over ready-made services. The Node and Workers entries differ only
 * in how they build `services`.
 */
export function createApp(services: Services) {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      // The same checks as every other body format (src/middleware/validate.ts: checkInput).
      if (!result.success) throw problemOf(schemaFindings(result.error));
      if (result.target === "json") enforceLimits(result.data, c.get("services").limits);
    },
  });

  // The request id (the caller's X-Request-Id when it is well-formed) names the request in problem
  // bodies, their X-Request-Id header and the error log; success responses skip the header, which
  // keeps the replay path allocation-free.
  app.use("*", async (c, next) => {
    const given = requestHeader(c, "x-request-id");
    c.set("requestId", given && REQUEST_ID.test(given) ? given : crypto.randomUUID());
    c.set("services", services);
    await next();
    const route = c.req.routePath === "/*" ? "unmatched" : c.req.routePath;
    services.metrics.requests.inc({ route, method: c.req.method, status: String(c.res.status) });
  });
  app.use("*", access({ ...services.access, keys: services.keys, usage: services.usage.recorder }));
  app.use(
    "/v1/*",
    readJsonBody(
      { maxBytes: services.limits.maxBodyBytes, timeoutMs: services.limits.bodyTimeoutMs },
      { "/v1/batches": { maxBytes: services.limits.maxBatchBodyBytes, limitName: "TICKBOX_MAX_BATCH_BODY_BYTES", ndjson: true, stream: true } },
    ),
  );
  app.post("/v1/checklists", replay(services.replay, services.metrics, "checklist"));
  app.post("/v1/evaluations", replay(services.replay, services.metrics, "grading"));

  for (const route of routes) route.register(app);

  const allowed = allowedMethods(app.routes);
  app.notFound((c) => {
    const methods = allowed(c.req.path);
    if (methods.length === 0) return problemResponse(c, new ProblemError("not_found", `no route for ${c.req.method} ${c.req.path}`));
    const problem = new ProblemError("method_not_allowed", `${c.req.path} answers ${methods.join(", ")}, not ${c.req.method}`);
    return problemResponse(c, problem, { allow: methods.join(", ") });
  });
  app.onError((error, c) => {
    const problem = asProblem(error);
    if (problem.code === "internal") console.error(`[${c.get("requestId")}]`, error);
    return problemResponse(c, problem);
  });
  return app;
}

type SchemaOf<T> = T extends OpenAPIHono<AppEnv, infer S, any> ? S : never;
type Intersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;
type RouteSchema = Intersection<SchemaOf<ReturnType<(typeof routes)[number]["register"]>>>;

/**
 * The app with every typed operation in its type, for `hc<AppType>(url)` from `hono/client`
 * (see `src/client.ts`). The routes are mounted in a loop, so the type is assembled from what
 * each `register` returns.
 */
export type AppType = OpenAPIHono<AppEnv, RouteSchema extends object ? RouteSchema : {}, "/">;
