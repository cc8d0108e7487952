import { createClient, type FetchLike, type TickboxClient } from "../../client/src/index";
import { CliError, EXIT } from "./exit";

/** Where a command's requests go: a server, or one started in this process for the command. */
export interface Connection {
  client: TickboxClient;
  /** For messages: the server's URL, or "this process". */
  where: string;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** A running server; without it the service runs in this process on TICKBOX_DB. */
  server?: string | undefined;
  apiKey?: string | undefined;
  /** In this process: the judge model to grade with (TICKBOX_JUDGE_MODEL for this run). */
  judge?: string | undefined;
}

/** fetch, with a refused or dropped connection told as the CLI tells it (exit 4, naming the URL). */
const reachable: FetchLike = async (url, init) => {
  try {
    return (await fetch(url, init)) as Awaited<ReturnType<FetchLike>>;
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
    throw new CliError(EXIT.unavailable, `cannot reach ${new URL(url).origin}: ${cause}`);
  }
};

/**
 * A client of `--server`, or of the same service started here (HTTP on a free loopback port, the
 * database of TICKBOX_DB, the upstream of the environment), so that both modes speak the one API
 * and nothing here reaches past it. In this process the key defaults to TICKBOX_ADMIN_KEY, which
 * is the key such a server would ask for.
 */
export async function connect(options: ConnectOptions, env: Record<string, string | undefined> = process.env): Promise<Connection> {
  if (options.server) {
    const client = createClient({ baseUrl: options.server, apiKey: options.apiKey, fetch: reachable });
    return { client, where: options.server, close: async () => {} };
  }
  const { startServer } = await import("../server");
  const { ConfigError, upstreamSettings } = await import("../config");
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    // Request lines would mix with the command's own output: off unless TICKBOX_LOG asks for them.
    server = await startServer({ TICKBOX_LOG: "off", ...env, HOST: "127.0.0.1", PORT: "0", ...(options.judge ? { TICKBOX_JUDGE_MODEL: options.judge } : {}) });
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(EXIT.input, error.message);
    throw error;
  }
  const upstream = upstreamSettings(server.config);
  if (!upstream.configured) {
    process.stderr.write(`no upstream model configured (set ${upstream.missing.join(" and ")}): only stored gradings can be served\n`);
  }
  const apiKey = options.apiKey ?? env.TICKBOX_ADMIN_KEY;
  return {
    client: createClient({ baseUrl: server.url, apiKey, fetch: reachable }),
    where: "this process",
    close: () => server.stop(),
  };
}
