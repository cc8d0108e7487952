import { nodeRunner } from "../batches/node-runner";
import { nodeFetch } from "../llm/node-fetch";
import { BatchItem, BatchItems, MAX_BATCH_ITEMS } from "../routes/batches/shapes";
import { parseJsonLines } from "../batches/json-lines";
import { type BatchItemInput, type BatchView, resultLine } from "../batches/service";
import { createClient } from "../client";
import { parseConfig } from "../config";
import { ProblemError, pointer } from "../errors";
import { buildServices } from "../services";
import { openSqlite } from "../store/sqlite";

/** A batch the CLI follows, whether it runs in this process or on a server. */
export interface BatchRun {
  id: string;
  view(): Promise<BatchView>;
  /** The results file's contents, a page at a time. */
  results(): AsyncIterable<string>;
  /** Ctrl-C: stop cleanly, so that the same command continues later. */
  interrupt(): Promise<void>;
  close(): Promise<void>;
}

/** The items of a JSON Lines file (or of a JSON array), validated as POST /v1/batches does. */
export function readItems(text: string): BatchItemInput[] {
  if (!text.trimStart().startsWith("[")) return parseJsonLines(text, BatchItem, MAX_BATCH_ITEMS);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ProblemError("invalid_json", "the file is neither JSON Lines nor a JSON array");
  }
  const parsed = BatchItems.safeParse(value);
  if (parsed.success) return parsed.data;
  const errors = parsed.error.issues.slice(0, 20).map((i) => ({ path: pointer(i.path), message: i.message }));
  throw new ProblemError("validation_failed", errors.map((e) => `${e.path}: ${e.message}`).join("; "), errors);
}

/** Runs the batch here, on the SQLite file of TICKBOX_DB, with the upstream of the environment. */
export async function localRun(text: string, env: Record<string, string | undefined>, concurrency?: number): Promise<BatchRun> {
  const items = readItems(text);
  const config = parseConfig(env);
  const { db, close } = openSqlite(config.TICKBOX_DB);
  const services = buildServices(config, db, { background: true, fetch: nodeFetch, runner: nodeRunner() });
  // In-process, the command line is whoever holds the database file: the operator (or everyone, open).
  const ctx = services.contexts.build(services.access.auth.local(), { requestId: "cli" });
  const batches = services.batches!;
  const { id, status } = await batches.forContext(ctx).create(items, concurrency);
  // Cancelled (on a server sharing this file, say): carry on where it stopped.
  if (status === "cancelled") await batches.retry(id);
  return {
    id,
    view: () => batches.view(id),
    async *results() {
      for (let after = -1; ; ) {
        const rows = await batches.resultsPage(id, after, 500);
        if (rows.length === 0) return;
        after = rows.at(-1)!.idx;
        yield rows.map(resultLine).join("");
      }
    },
    interrupt: () => batches.stop(),
    async close() {
      await batches.stop();
      close();
    },
  };
}

async function problemOf(res: Response): Promise<ProblemError> {
  const body = (await res.json().catch(() => ({}))) as { code?: string; detail?: string; errors?: { path: string; message: string }[] };
  const error = new ProblemError("internal", `${res.status} from the server: ${body.detail ?? res.statusText}`, body.errors);
  return error;
}

/** Sends the file to a server as a batch (the same file names the same batch there) and follows it. */
export async function remoteRun(text: string, server: string, concurrency?: number): Promise<BatchRun> {
  const base = server.replace(/\/+$/, "");
  const client = createClient(base);
  const query = concurrency ? `?concurrency=${concurrency}` : "";
  const type = text.trimStart().startsWith("[") ? "application/json" : "application/x-ndjson";
  const created = await fetch(`${base}/v1/batches${query}`, { method: "POST", headers: { "content-type": type }, body: text });
  if (created.status !== 202) throw await problemOf(created);
  const first = (await created.json()) as BatchView;
  const id = first.id;
  const param = { param: { id } };
  // Stopped by an earlier Ctrl-C: carry on where it stopped.
  if (first.status === "cancelled") await client.v1.batches[":id"].retry.$post(param);
  return {
    id,
    async view() {
      const res = await client.v1.batches[":id"].$get(param);
      if (res.status !== 200) throw await problemOf(res);
      return (await res.json()) as BatchView;
    },
    async *results() {
      const res = await fetch(`${base}/v1/batches/${id}/results`);
      if (res.status !== 200 || !res.body) throw await problemOf(res);
      const decoder = new TextDecoder();
      for await (const chunk of res.body) yield decoder.decode(chunk, { stream: true });
    },
    async interrupt() {
      await client.v1.batches[":id"].cancel.$post(param);
    },
    async close() {},
  };
}
