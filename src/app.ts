import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import type { AppEnv, Services } from "./env";
import { type FieldError, ProblemError, pointer, problemBody } from "./errors";
import * as createChecklist from "./routes/checklists/create";
import * as getChecklist from "./routes/checklists/get";
import * as createEvaluation from "./routes/evaluations/create";
import * as getEvaluation from "./routes/evaluations/get";
import * as docs from "./routes/system/docs";
import * as health from "./routes/system/health";

function problemResponse(c: Context<AppEnv>, error: ProblemError) {
  return c.json(problemBody(error, c.get("requestId") ?? "unknown"), error.status as 400, {
    "content-type": "application/problem+json",
  });
}

/** Maps anything thrown to a ProblemError; unknown errors become a 500 that does not echo their message. */
function asProblem(error: unknown): ProblemError {
  if (error instanceof ProblemError) return error;
  if (error instanceof HTTPException) {
    if (error.status === 415) {
      return new ProblemError("unsupported_media_type", "send the body as application/json");
    }
    if (error.status === 413) return new ProblemError("payload_too_large", error.message);
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
    defaultHook: (result) => {
      if (!result.success) {
        const errors: FieldError[] = result.error.issues.flatMap((issue) =>
          issue.code === "unrecognized_keys"
            ? issue.keys.map((key) => ({ path: pointer([...issue.path, key]), message: "unknown field" }))
            : [{ path: pointer(issue.path), message: issue.message }],
        );
        throw new ProblemError("validation_failed", errors.map((e) => `${e.path}: ${e.message}`).join("; "), errors);
      }
    },
  });

  app.use("*", requestId());
  app.use("*", async (c, next) => {
    c.set("services", services);
    await next();
    const route = c.req.routePath === "/*" ? "unmatched" : c.req.routePath;
    services.metrics.requests.inc({ route, method: c.req.method, status: String(c.res.status) });
  });
  app.use(
    "/v1/*",
    bodyLimit({
      maxSize: services.limits.maxBodyBytes,
      onError: () => {
        throw new ProblemError("payload_too_large", `the body exceeds ${services.limits.maxBodyBytes} bytes (TICKBOX_MAX_BODY_BYTES)`);
      },
    }),
  );

  for (const route of [health, docs, createChecklist, getChecklist, createEvaluation, getEvaluation]) {
    route.register(app);
  }

  app.notFound((c) => problemResponse(c, new ProblemError("not_found", `no route for ${c.req.method} ${c.req.path}`)));
  app.onError((error, c) => {
    const problem = asProblem(error);
    if (problem.code === "internal") console.error(`[${c.get("requestId")}]`, error);
    return problemResponse(c, problem);
  });
  return app;
}

export type AppType = ReturnType<typeof createApp>;
