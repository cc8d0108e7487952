import { STATUS_CODES, type Server } from "node:http";
import type { Duplex } from "node:stream";
import { serve } from "@hono/node-server";
import { createApp } from "./app";
import { type Config, ConfigError, parseConfig, upstreamSettings } from "./config";
import { type ProblemCode, ProblemError, problemBody } from "./errors";
import { nodeRunner } from "./batches/node-runner";
import { reviewKeys } from "./auth/review";
import { nodeFetch } from "./llm/node-fetch";
import { noUsage } from "./llm/usage";
import { nodeDocsScript } from "./routes/system/node-docs-script";
import { nodeLogger, quietLogger } from "./log-node";
import { buildServices } from "./services";
import type { Services } from "./env";
import { openNodeStores } from "./store/node-stores";

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|\[::1\]|localhost)$/;
const MIB = 1024 * 1024;

/**
 * Node's own limits on slow clients. Headers must arrive within TICKBOX_HEADERS_TIMEOUT_MS. Bodies
 * are timed by the body reader (a 408 problem, src/middleware/body-stream.ts); Node's request
 * timeout stands behind it, for bodies nobody reads, at the most the reader would allow the
 * largest batch body. Connections are checked every second rather than every 30.
 */
function slowClientOptions(config: Config) {
  return {
    headersTimeout: config.TICKBOX_HEADERS_TIMEOUT_MS,
    requestTimeout: config.TICKBOX_REQUEST_TIMEOUT_MS + Math.ceil(config.TICKBOX_MAX_BATCH_BODY_BYTES / MIB) * 1000,
    connectionsCheckingInterval: 1000,
  };
}

/**
 * What Node answers, before any request reaches the app, to a client whose headers are too slow,
 * too large or malformed: a problem+json body (not Node's bare status line) naming a request id,
 * which the X-Request-Id header and a request line in the log name too (as the app's answers do),
 * and the connection closed.
 */
const answerClientError = (services: Services) => (error: NodeJS.ErrnoException, socket: Duplex) => {
  const started = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent;
  if (socket.writable && !started) {
    const code: ProblemCode =
      error.code === "ERR_HTTP_REQUEST_TIMEOUT" || error.code === "ERR_HTTP_HEADERS_TIMEOUT"
        ? "request_timeout"
        : error.code === "HPE_HEADER_OVERFLOW"
          ? "headers_too_large"
          : "malformed_request";
    const detail =
      code === "request_timeout"
        ? "the request did not arrive in time (TICKBOX_HEADERS_TIMEOUT_MS, TICKBOX_REQUEST_TIMEOUT_MS)"
        : code === "headers_too_large"
          ? "the request's headers are larger than the server reads"
          : "the request is not valid HTTP";
    const problem = new ProblemError(code, detail);
    const { status } = problem;
    const requestId = crypto.randomUUID();
    const body = JSON.stringify(problemBody(problem, requestId));
    socket.once("finish", () => socket.destroy());
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
    );
    // Nothing of the request was read that could be trusted: no method or route, no caller.
    services.metrics.requests.inc({ route: "unparsed", method: "unparsed", status: String(status) });
    services.log.request({
      request_id: requestId,
      method: "unparsed",
      route: "unparsed",
      status,
      duration_ms: 0,
      tenant: null,
      key_id: null,
      cache: "none",
      ...noUsage(),
    });
  } else socket.destroy();
};

/** Starts the service on Node: configuration, SQLite with migrations, HTTP; stops cleanly on a signal. */
export async function startServer(env: Record<string, string | undefined> = process.env) {
  const config = parseConfig(env);
  if (!config.TICKBOX_ADMIN_KEY && !config.TICKBOX_ALLOW_OPEN && !LOOPBACK.test(config.HOST)) {
    throw new ConfigError(`refusing to serve ${config.HOST} without authentication: set TICKBOX_ADMIN_KEY, or TICKBOX_ALLOW_OPEN=true to serve it open`);
  }
  const { stores, close: closeStores } = openNodeStores(config.TICKBOX_DB);
  const log = config.TICKBOX_LOG === "off" ? quietLogger() : nodeLogger(config.TICKBOX_LOG === "stderr" ? 2 : 1);
  const services = buildServices(config, stores, { background: true, fetch: nodeFetch, runner: nodeRunner(), log, docsScript: nodeDocsScript() });
  const app = createApp(services);
  await reviewKeys(services.keys, services.access.auth, log);
  const flushUsage = () => services.usage.recorder.flush().catch((error) => console.error("usage accounting:", error));
  const flusher = setInterval(flushUsage, 1000);
  flusher.unref();
  // serve() gives a plain node:http server unless told to build an HTTP/2 one, which it is not.
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: config.HOST, port: config.PORT, serverOptions: slowClientOptions(config) }, () => resolve(s as Server));
  });
  // Connections past the cap are closed as they arrive, so slow clients cannot take every socket.
  server.maxConnections = config.TICKBOX_MAX_CONNECTIONS;
  server.on("clientError", answerClientError(services));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.PORT;
  // Batches left running by a previous process (even one killed with SIGKILL) carry on, and so,
  // later, do those of any process on the same database that dies.
  await services.batches?.resumeAll();
  services.batches?.sweepEvery();
  /**
   * Stops accepting connections, lets in-flight requests finish (up to `graceMs`), then closes the
   * database. Keep-alive connections are closed as soon as they fall idle rather than when their
   * keep-alive timeout runs out.
   */
  const stop = (graceMs = 30_000) =>
    new Promise<void>((resolve) => {
      // Batch workers finish their current item and stop; the rest resumes on the next start.
      const drained = services.batches?.stop() ?? Promise.resolve();
      const sweep = setInterval(() => server.closeIdleConnections(), 25);
      const force = setTimeout(() => server.closeAllConnections(), graceMs);
      server.close(async () => {
        clearInterval(sweep);
        clearTimeout(force);
        clearInterval(flusher);
        await drained;
        await flushUsage();
        closeStores();
        log.flush();
        resolve();
      });
      server.closeIdleConnections();
    });
  return { app, services, config, port, url: `http://${config.HOST}:${port}`, stop, log };
}

/** `npm start` and `tickbox serve`: the server from the environment, stopped cleanly by SIGINT or SIGTERM. */
export async function runServer(env: Record<string, string | undefined> = process.env): Promise<void> {
  try {
    const { config, url, stop, log } = await startServer(env);
    const upstream = upstreamSettings(config);
    if (!config.TICKBOX_ADMIN_KEY) {
      log.warn({}, "TICKBOX_ADMIN_KEY is not set: the API is open to anyone who can reach it, and keys cannot be made");
    }
    if (!upstream.configured) {
      log.warn({}, `no upstream model configured: set ${upstream.missing.join(" and ")} to generate and grade`);
    }
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      process.once(signal, () => {
        log.info({ signal }, "finishing in-flight requests");
        void stop().then(() => process.exit(0));
      });
    }
    log.info({ url, database: config.TICKBOX_DB }, `tickbox listening on ${url} (database ${config.TICKBOX_DB})`);
    log.flush();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith("src/server.ts")) {
  await runServer();
}
