// Cloudflare Workers entry: the same app and services as on Node, over the D1 binding.
// Nothing here may import Node-only modules (server.ts, store/sqlite.ts, better-sqlite3).
import { drizzle } from "drizzle-orm/d1";
import { z } from "zod";
import { createApp } from "./app";
import { workerCapabilities } from "./capabilities";
import { configSchema } from "./config";
import type { Services } from "./env";
import { ProblemError, problemBody } from "./errors";
import { reviewKeys } from "./auth/review";
import { consoleLogger } from "./log";
import { buildServices } from "./services";
// The API reference's browser bundle as a string (a Text module rule in wrangler.toml): /docs
// serves it from the Worker itself. The package's exports do not name the file, hence the path;
// TypeScript sees a JavaScript file there, not the string the rule makes of it.
// @ts-expect-error: a Text module, whose default export is the file's text
import docsScript from "../node_modules/@scalar/api-reference/dist/browser/standalone.js";
import type { SqliteDb } from "./store/store";

const d1Database = z.custom<D1Database>(
  (value) =>
    typeof value === "object" &&
    value !== null &&
    typeof (value as Partial<D1Database>).prepare === "function" &&
    typeof (value as Partial<D1Database>).batch === "function",
  'must be a D1 database binding ([[d1_databases]] binding = "DB" in wrangler.toml)',
);

/** The bindings and vars the Worker reads: the Node configuration plus the D1 database. */
export const bindingsSchema = configSchema.extend({ DB: d1Database });

export type WorkerBindings = { DB: D1Database } & Record<string, unknown>;

/** The app and services for one env object, or why its bindings cannot make them. */
export type WorkerInstance = { app: ReturnType<typeof createApp>; services: Services } | { problem: ProblemError };

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
  const { DB, ...config } = parsed.data;
  const db = drizzle(DB) as unknown as SqliteDb;
  // The Worker's console is its log: one JSON line per request, as on Node.
  const log = consoleLogger();
  const services = buildServices(config, db, { capabilities: workerCapabilities, log, docsScript: async () => docsScript as string });
  reviewed = reviewKeys(services.keys, services.access.auth, log).catch((error) => console.error("key review:", error));
  return { app: createApp(services), services };
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
    ctx.waitUntil(Promise.resolve(response).then(() => entry.services.usage.recorder.flush()).catch((error) => console.error("usage accounting:", error)));
    if (reviewed) {
      ctx.waitUntil(reviewed);
      reviewed = undefined;
    }
    return response;
  },
} satisfies ExportedHandler<WorkerBindings>;
