import { serve } from "@hono/node-server";
import { createApp } from "./app";
import { ConfigError, parseConfig, upstreamSettings } from "./config";
import { buildServices } from "./services";
import { openSqlite } from "./store/sqlite";

/** Starts the service on Node: configuration, SQLite with migrations, HTTP; stops cleanly on a signal. */
export async function startServer(env: Record<string, string | undefined> = process.env) {
  const config = parseConfig(env);
  const { db, close } = openSqlite(config.TICKBOX_DB);
  const services = buildServices(config, db, { background: true });
  const app = createApp(services);
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: config.HOST, port: config.PORT }, () => resolve(s));
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.PORT;
  // Batches left running by a previous process (even one killed with SIGKILL) carry on.
  await services.batches?.resumeAll();
  const stop = () =>
    new Promise<void>((resolve) => {
      // Workers finish their current item and stop; the rest resumes on the next start.
      const drained = services.batches?.stop() ?? Promise.resolve();
      server.close(() => {
        void drained.then(() => {
          close();
          resolve();
        });
      });
      // Idle keep-alive sockets would hold close() open.
      if ("closeIdleConnections" in server) server.closeIdleConnections();
    });
  return { app, services, config, port, url: `http://${config.HOST}:${port}`, stop };
}

/** `npm start` and `tickbox serve`: the server from the environment, stopped cleanly by SIGINT or SIGTERM. */
export async function runServer(env: Record<string, string | undefined> = process.env): Promise<void> {
  try {
    const { config, url, stop } = await startServer(env);
    const upstream = upstreamSettings(config);
    console.log(`tickbox listening on ${url} (database ${config.TICKBOX_DB})`);
    if (!upstream.configured) {
      console.warn(`no upstream model configured: set ${upstream.missing.join(" and ")} to generate and grade`);
    }
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      process.once(signal, () => {
        console.log(`${signal}: finishing in-flight requests`);
        void stop().then(() => process.exit(0));
      });
    }
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
