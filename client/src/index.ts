// tickbox-client: a typed client of the tickbox HTTP API. Paths, bodies and answers are typed from
// the API's OpenAPI document (./openapi.ts, generated); nothing here knows the server's source.
// The public types name no DOM or Node type, so the declarations check under any `lib`/`types`.
import { type Operations, operations, type Problem } from "./openapi.js";

export type * from "./openapi.js";

/** The headers of an answer, as far as the client reads them. */
export interface HeadersLike {
  get(name: string): string | null;
}

/** A response body read chunk by chunk (the WHATWG ReadableStream's reader). */
export interface BodyLike {
  getReader(): {
    read(): Promise<{ done: boolean; value?: Uint8Array | undefined }>;
    cancel(): Promise<void>;
  };
}

/** What the client reads of an answer; a `fetch` Response is one. */
export interface ResponseLike {
  status: number;
  headers: HeadersLike;
  text(): Promise<string>;
  body: BodyLike | null;
}

export interface RequestInitLike {
  method: string;
  headers: Record<string, string>;
  body?: string;
}

/** The global `fetch`, or anything that answers like it (a test's in-process app, a proxy). */
export type FetchLike = (url: string, init: RequestInitLike) => Promise<ResponseLike>;

export interface ClientOptions {
  /** Where the server answers, e.g. `http://127.0.0.1:8787` (a path prefix is kept). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>`: a key made with POST /v1/keys, or the server's TICKBOX_ADMIN_KEY. */
  apiKey?: string | undefined;
  /** Sent with every request. */
  headers?: Record<string, string> | undefined;
  /** Default: the global `fetch` (Node 18 and later, browsers, Workers, Deno, Bun). */
  fetch?: FetchLike | undefined;
}

export type Method = "get" | "post" | "delete";

/** The paths that answer `method`, e.g. PathOf<"get"> includes "/v1/evaluations/{id}". */
export type PathOf<M extends Method> = keyof Operations extends infer K ? (K extends `${M} ${infer P}` ? P : never) : never;

/** One operation's types: `path`, `query`, `body`, `bodyRequired`, `answer`. */
export type Operation<M extends Method, P extends PathOf<M>> = Operations[`${M} ${P}` & keyof Operations];

type Given<T> = [T] extends [never] ? false : true;

/** What a call takes besides its path: path parameters, query, body, extra headers. */
export type RequestOptions<O extends Operations[keyof Operations]> = (Given<O["path"]> extends true ? { path: O["path"] } : unknown) &
  (Given<O["query"]> extends true ? { query?: O["query"] | undefined } : unknown) &
  (Given<O["body"]> extends true ? (O["bodyRequired"] extends true ? { body: O["body"] } : { body?: O["body"] | undefined }) : unknown) & {
    headers?: Record<string, string> | undefined;
  };

/** The options argument: required when the operation has path parameters or a required body. */
export type Args<O extends Operations[keyof Operations]> =
  Given<O["path"]> extends true ? [options: RequestOptions<O>] : O["bodyRequired"] extends true ? [options: RequestOptions<O>] : [options?: RequestOptions<O>];

/**
 * The API, typed by operation. Each call resolves to the parsed body of the successful answer
 * (JSON; JSON Lines as an array; text for SVG, metrics and events) and rejects with a
 * TickboxError for any 4xx or 5xx answer. A failure to connect rejects with fetch's own error.
 */
export interface TickboxClient {
  get<P extends PathOf<"get">>(path: P, ...options: Args<Operation<"get", P>>): Promise<Operation<"get", P>["answer"]>;
  post<P extends PathOf<"post">>(path: P, ...options: Args<Operation<"post", P>>): Promise<Operation<"post", P>["answer"]>;
  delete<P extends PathOf<"delete">>(path: P, ...options: Args<Operation<"delete", P>>): Promise<Operation<"delete", P>["answer"]>;
  /**
   * The body of a GET answer as the bytes arrive, for what is too large to hold at once or must be
   * kept byte for byte: a batch's results (JSON Lines), its events (server-sent events).
   */
  stream<P extends PathOf<"get">>(path: P, ...options: Args<Operation<"get", P>>): AsyncIterable<Uint8Array>;
}

/** A 4xx or 5xx answer; `problem` is its RFC 9457 body when it sent one. */
export class TickboxError extends Error {
  override name = "TickboxError";
  constructor(
    /** The HTTP status: 401 no or wrong key, 403 the key lacks a scope, 422 invalid input, 502/503/504 the upstream model failed. */
    readonly status: number,
    readonly problem: Problem | null,
    readonly method: string,
    readonly url: string,
  ) {
    super(problem ? problemText(status, problem) : `${status} from ${method.toUpperCase()} ${url}`);
  }
}

function problemText(status: number, problem: Problem): string {
  const fields = (problem.errors ?? []).map((e) => `\n  ${e.path || "/"}: ${e.message}`).join("");
  return `${status} ${problem.title}: ${problem.detail}${fields}`;
}

type Answer = "json" | "ndjson" | "text" | "empty";
const known = operations as Record<string, { answer: Answer; jsonLinesBody: boolean } | undefined>;

interface LooseOptions {
  path?: Record<string, unknown>;
  query?: Record<string, unknown> | undefined;
  body?: unknown;
  headers?: Record<string, string> | undefined;
}

/** A client of the tickbox API at `baseUrl`, authenticated with `apiKey` when given. */
export function createClient(options: ClientOptions): TickboxClient {
  const base = options.baseUrl.replace(/\/+$/, "");
  const found = options.fetch ?? (globalThis as unknown as { fetch?: FetchLike }).fetch;
  if (!found) throw new TypeError("no global fetch here: pass one as the `fetch` option");
  const fetchImpl: FetchLike = found;
  const common: Record<string, string> = { ...options.headers, ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}) };

  async function send(method: Method, path: string, call: LooseOptions = {}): Promise<ResponseLike> {
    const resolved = path.replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = call.path?.[name];
      if (value === undefined || value === null) throw new TypeError(`${path} needs path.${name}`);
      return encodeURIComponent(String(value));
    });
    const query = Object.entries(call.query ?? {})
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
      .join("&");
    const url = `${base}${resolved}${query ? `?${query}` : ""}`;
    const headers: Record<string, string> = { ...common, ...call.headers };
    const init: RequestInitLike = { method: method.toUpperCase(), headers };
    if (call.body !== undefined) {
      // A string is JSON Lines where the operation takes them (POST /v1/batches), else it is JSON.
      const lines = typeof call.body === "string" && known[`${method} ${path}`]?.jsonLinesBody;
      headers["content-type"] = lines ? "application/x-ndjson" : "application/json";
      init.body = lines ? (call.body as string) : JSON.stringify(call.body);
    }
    const res = await fetchImpl(url, init);
    if (res.status >= 400) throw await errorOf(res, method, url);
    return res;
  }

  async function request(method: Method, path: string, call?: LooseOptions): Promise<unknown> {
    const res = await send(method, path, call);
    const text = await res.text();
    const answer = known[`${method} ${path}`]?.answer ?? answerOf(res.headers.get("content-type"), text);
    if (answer === "empty") return undefined;
    if (answer === "json") return JSON.parse(text);
    if (answer === "ndjson")
      return text
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => JSON.parse(line));
    return text;
  }

  async function* stream(path: string, call?: LooseOptions): AsyncIterable<Uint8Array> {
    const res = await send("get", path, call);
    if (!res.body) return;
    const reader = res.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        if (value) yield value;
      }
    } finally {
      // Stopping early (a break in for await) must not leave the connection reading.
      await reader.cancel().catch(() => {});
    }
  }

  // The typed signatures are TickboxClient's; the implementation takes the loose form of each.
  return {
    get: (path: string, call?: LooseOptions) => request("get", path, call),
    post: (path: string, call?: LooseOptions) => request("post", path, call),
    delete: (path: string, call?: LooseOptions) => request("delete", path, call),
    stream: (path: string, call?: LooseOptions) => stream(path, call),
  } as TickboxClient;
}

function answerOf(type: string | null, text: string): Answer {
  if (text === "") return "empty";
  if (type?.includes("json") && !type.includes("ndjson")) return "json";
  return type?.includes("ndjson") ? "ndjson" : "text";
}

async function errorOf(res: ResponseLike, method: string, url: string): Promise<TickboxError> {
  const text = await res.text().catch(() => "");
  let problem: Problem | null = null;
  try {
    const body = JSON.parse(text) as Partial<Problem>;
    if (body && typeof body.title === "string" && typeof body.detail === "string") problem = body as Problem;
  } catch {
    // not a problem+json body: a proxy's error page, say
  }
  return new TickboxError(res.status, problem, method, url);
}
