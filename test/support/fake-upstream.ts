// A scriptable stand-in for an OpenAI-compatible chat-completions upstream,
// served over real HTTP on 127.0.0.1 for tests and benchmarks.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { plainTokens, segmentsText, tokenize, type LogprobMode, type Segment, type TokenLogprob, type Verdict } from "./fake-tokens";
import { controlResponse } from "./fake-control";

export type { LogprobMode, Verdict } from "./fake-tokens";

export interface ItemAnswer {
  verdict: Verdict;
  p_yes?: number;
  rationale?: string;
  omit_no?: boolean;
}
export type Fault =
  | { kind: "status"; status: number; retryAfter?: string; body?: unknown }
  | { kind: "reset" }
  | { kind: "hang" }
  | { kind: "truncated" }
  | { kind: "content"; content: string }
  /** A body sent as given, whatever it is (HTML, garbage bytes, half a JSON text). */
  | { kind: "raw"; status?: number; contentType?: string; body: string | Uint8Array }
  /** The answer the fake would have given, changed: an object is sent as JSON, a string as is. */
  | { kind: "mutate"; mutate: (completion: any) => unknown }
  /** An answer of `bytes` bytes, streamed; `declared` sends its Content-Length first. */
  | { kind: "huge"; bytes: number; declared?: boolean }
  /** A proper answer whose body comes a byte every `everyMs`, after prompt headers. */
  | { kind: "trickle"; everyMs: number };
export interface FakeCall {
  body: any;
  headers: Record<string, string | string[] | undefined>;
  kind: "checklist" | "grading" | "comparison" | "other";
  /** The usage it reported, once it answered. */
  usage?: { prompt_tokens: number; completion_tokens: number };
}
/** A direct comparison's answer: which position is better, and p(FIRST) for the logprobs. */
export interface ComparisonAnswer {
  better: "FIRST" | "SECOND";
  p_first?: number;
  rationale?: string;
}
export interface ChecklistItem {
  question: string;
  weight: number;
  must_pass: boolean;
}
export interface FakeUpstream {
  baseUrl: string;
  calls: FakeCall[];
  /** Chat calls being answered now, and the most at once since the last reset. */
  inFlight: number;
  maxInFlight: number;
  latencyMs: number;
  /** Answers whose connection the client closed before the fake had finished sending them. */
  answersCut: number;
  logprobs: LogprobMode;
  /** Prompt tokens it reports per character of the messages (default 0.25, the usual 4 characters a token). */
  promptTokensPerChar: number;
  /** Counts a request's prompt tokens its own way instead (see `byteLevelWorstCase`); null: per character. */
  promptTokensOf: ((body: any) => number) | null;
  checklist: ChecklistItem[];
  answer: (itemId: string, index: number, call: FakeCall) => ItemAnswer;
  /** Answers comparison requests; the default always prefers the response shown first. */
  compare: (call: FakeCall) => ComparisonAnswer;
  /** Plain-text answers (requests with no known schema): fixed, or made from the call. */
  text: string | ((call: FakeCall) => string);
  enqueue(...faults: Fault[]): void;
  reset(): void;
  close(): Promise<void>;
}
export interface FakeUpstreamOptions {
  latencyMs?: number;
  logprobs?: LogprobMode;
  port?: number;
}

export const DEFAULT_CHECKLIST: readonly ChecklistItem[] = [
  { question: "Does the response answer the question that was asked?", weight: 100, must_pass: true },
  { question: "Is every factual claim in the response accurate?", weight: 75, must_pass: false },
  { question: "Is the response concise and free of irrelevant detail?", weight: 50, must_pass: false },
];
export const DEFAULT_TEXT = "A revised response.";
const defaultAnswer = (): ItemAnswer => ({ verdict: "YES", p_yes: 0.9 });
const defaultCompare = (): ComparisonAnswer => ({ better: "FIRST", p_first: 0.8 });
const POSITIONS = ["FIRST", "SECOND"] as const;

const FENCE = /^```schema[ \t]*\r?\n([\s\S]*?)\r?\n```[ \t]*$/m;

function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content.map((p) => (p && typeof p.text === "string" ? p.text : "")).join("");
  }
  return "";
}

/** The JSON Schema the request asks the answer to follow, if any. */
export function findSchema(body: any): any {
  const rf = body?.response_format;
  if (rf?.type === "json_schema") return rf.json_schema?.schema;
  for (const m of Array.isArray(body?.messages) ? body.messages : []) {
    const match = FENCE.exec(contentText(m?.content));
    if (!match) continue;
    try {
      return JSON.parse(match[1]!);
    } catch {
      /* not JSON: keep looking */
    }
  }
  return undefined;
}

export function classify(body: any): FakeCall["kind"] {
  const title = findSchema(body)?.title;
  if (title === "tickbox_checklist") return "checklist";
  if (title === "tickbox_grading") return "grading";
  if (title === "tickbox_comparison") return "comparison";
  return "other";
}

/** Chat framing of the largest common templates: Llama 3 marks each message with 5 tokens and primes the answer with 5. */
const FRAMING_PER_MESSAGE = 5;
const FRAMING_PRIMING = 5;

/**
 * The most prompt tokens an upstream with a byte-level BPE tokenizer (GPT, Llama 3, Qwen, …) can
 * bill for a request: every byte of every message and of the answer's schema a token of its own
 * (no byte-level token is shorter than a byte), plus its chat framing.
 */
export function byteLevelWorstCase(body: any): number {
  const messages: unknown[] = Array.isArray(body?.messages) ? body.messages : [];
  const schema = body?.response_format?.type === "json_schema" ? body.response_format.json_schema?.schema : undefined;
  const bytes = (text: string) => Buffer.byteLength(text, "utf8");
  return (
    messages.reduce<number>((n, m) => n + bytes(contentText((m as { content?: unknown })?.content)) + FRAMING_PER_MESSAGE, 0) +
    FRAMING_PRIMING +
    (schema === undefined ? 0 : bytes(JSON.stringify(schema)))
  );
}

function errorBody(status: number, message: string) {
  const type =
    status === 429
      ? "requests"
      : status === 401
        ? "authentication_error"
        : status === 403
          ? "permission_error"
          : status === 404
            ? "not_found_error"
            : status >= 500
              ? "server_error"
              : "invalid_request_error";
  const code = status === 429 ? "rate_limit_exceeded" : status >= 500 ? "server_error" : null;
  return { error: { message, type, param: null, code } };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  if (res.destroyed || res.writableEnded) return;
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(text)),
    "x-request-id": `req_fake_${Math.random().toString(36).slice(2, 12)}`,
    ...headers,
  });
  res.end(text);
}

export async function startFakeUpstream(opts: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
  const defaults = { latencyMs: opts.latencyMs ?? 0, logprobs: opts.logprobs ?? ("split" as LogprobMode) };
  const queue: Fault[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<{ timer: NodeJS.Timeout; done: () => void }>();
  let seq = 0;

  /** Wait `ms`, returning false if the client went away (or the server closed) meanwhile. */
  const delay = (ms: number, res: ServerResponse) =>
    new Promise<boolean>((resolve) => {
      if (ms <= 0) return resolve(!res.destroyed);
      const entry = {
        timer: setTimeout(() => finish(true), ms),
        done: () => finish(false),
      };
      function finish(ok: boolean) {
        clearTimeout(entry.timer);
        timers.delete(entry);
        res.off("close", entry.done);
        resolve(ok && !res.destroyed);
      }
      timers.add(entry);
      res.once("close", entry.done);
    });

  function buildContent(call: FakeCall): Segment[] {
    if (call.kind === "checklist") {
      return [JSON.stringify({ analysis: "Three checks cover relevance, accuracy and concision.", items: fake.checklist })];
    }
    if (call.kind === "comparison") {
      const c = fake.compare(call);
      const why = c.rationale ?? `The ${c.better.toLowerCase()} response is better.`;
      return [`{"rationale":${JSON.stringify(why)},"better":"`, { verdict: c.better === "FIRST" ? "YES" : "NO", p_yes: c.p_first, words: POSITIONS }, '"}'];
    }
    if (call.kind !== "grading") return [typeof fake.text === "function" ? fake.text(call) : fake.text];
    const schema = findSchema(call.body);
    const props: Record<string, any> = schema?.properties ?? {};
    const ids: string[] = Array.isArray(schema?.required) ? schema.required : Object.keys(props);
    const segs: Segment[] = [];
    let text = "{";
    ids.forEach((id, index) => {
      const a = fake.answer(id, index, call);
      text += `${index ? "," : ""}${JSON.stringify(id)}:{`;
      if (props[id]?.properties?.rationale !== undefined) {
        const why = a.rationale ?? (a.verdict === "YES" ? "The response meets this criterion." : "The response does not meet this criterion.");
        text += `"rationale":${JSON.stringify(why)},`;
      }
      segs.push(`${text}"verdict":"`, { verdict: a.verdict, p_yes: a.p_yes, omit_no: a.omit_no });
      text = '"}';
    });
    segs.push(`${text}}`);
    return segs;
  }

  /** Streams `bytes` bytes of a JSON answer, minding backpressure; counts it cut if the client leaves. */
  async function sendHuge(res: ServerResponse, bytes: number, declared: boolean) {
    const head = '{"id":"chatcmpl-huge","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"';
    const tail = '"},"finish_reason":"stop"}]}';
    res.writeHead(200, { "content-type": "application/json", ...(declared ? { "content-length": String(bytes) } : {}) });
    const chunk = Buffer.alloc(64 * 1024, "a");
    let sent = 0;
    const write = (data: Buffer | string) =>
      new Promise<boolean>((resolve) => {
        if (res.destroyed) return resolve(false);
        sent += Buffer.byteLength(data);
        if (res.write(data)) return resolve(true);
        const done = (ok: boolean) => {
          res.off("drain", onDrain);
          res.off("close", onClose);
          resolve(ok);
        };
        const onDrain = () => done(true);
        const onClose = () => done(false);
        res.once("drain", onDrain);
        res.once("close", onClose);
      });
    if (!(await write(head))) return void fake.answersCut++;
    while (sent + chunk.length + tail.length <= bytes) {
      if (!(await write(chunk))) return void fake.answersCut++;
    }
    if (!(await write("a".repeat(Math.max(0, bytes - sent - tail.length))))) return void fake.answersCut++;
    res.end(tail);
  }

  function completion(call: FakeCall, segs: Segment[], allowLogprobs: boolean) {
    const body = call.body ?? {};
    const content = segmentsText(segs);
    const mode = fake.logprobs === "fused" ? "fused" : "split";
    const topN = Math.min(20, Math.max(2, Number.isInteger(body.top_logprobs) ? body.top_logprobs : 5));
    const tokens: TokenLogprob[] = allowLogprobs ? tokenize(segs, mode, topN) : plainTokens(content);
    const withLogprobs = allowLogprobs && body.logprobs === true && fake.logprobs !== "none";
    const promptChars = (Array.isArray(body.messages) ? body.messages : []).reduce((n: number, m: any) => n + contentText(m?.content).length, 0);
    const prompt_tokens = fake.promptTokensOf ? fake.promptTokensOf(body) : Math.ceil(promptChars * fake.promptTokensPerChar);
    call.usage = { prompt_tokens, completion_tokens: tokens.length };
    return {
      id: `chatcmpl-fake${++seq}`,
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model: typeof body.model === "string" ? body.model : "fake-model",
      choices: [
        {
          index: 0,
          message: { role: "assistant", content, refusal: null },
          finish_reason: "stop",
          logprobs: withLogprobs ? { content: tokens, refusal: null } : null,
        },
      ],
      usage: { prompt_tokens, completion_tokens: tokens.length, total_tokens: prompt_tokens + tokens.length },
    };
  }

  async function chat(req: IncomingMessage, res: ServerResponse, raw: string, arrived: number) {
    let body: any;
    let parsed = true;
    try {
      body = JSON.parse(raw);
    } catch {
      body = raw;
      parsed = false;
    }
    const call: FakeCall = { body, headers: { ...req.headers }, kind: parsed ? classify(body) : "other" };
    fake.calls.push(call);
    if (!parsed) {
      if (!(await delay(fake.latencyMs, res))) return;
      return send(res, 400, errorBody(400, "We could not parse the JSON body of your request."));
    }
    const fault = queue.shift();
    if (fault?.kind === "reset") return void req.socket.destroy();
    if (!fault) {
      // The latency is the whole time to answer: the answer's own making counts towards it.
      const answer = JSON.stringify(completion(call, buildContent(call), true));
      if (!(await delay(fake.latencyMs - (performance.now() - arrived), res))) return;
      return send(res, 200, answer);
    }
    if (!(await delay(fake.latencyMs, res))) return;
    switch (fault.kind) {
      case "hang":
        return; // the socket is destroyed by the client or by close()
      case "status": {
        const extra: Record<string, string> = fault.retryAfter !== undefined ? { "retry-after": fault.retryAfter } : {};
        const payload = fault.body ?? errorBody(fault.status, `Fake upstream error (status ${fault.status}).`);
        return send(res, fault.status, payload, extra);
      }
      case "truncated": {
        const full = JSON.stringify(completion(call, buildContent(call), true));
        return send(res, 200, full.slice(0, Math.floor(full.length / 2)));
      }
      case "content":
        return send(res, 200, completion(call, [fault.content], false));
      case "raw": {
        if (res.destroyed) return;
        res.writeHead(fault.status ?? 200, { "content-type": fault.contentType ?? "application/json" });
        return void res.end(fault.body);
      }
      case "mutate": {
        const changed = fault.mutate(completion(call, buildContent(call), true));
        return send(res, 200, typeof changed === "string" ? changed : JSON.stringify(changed));
      }
      case "huge":
        return sendHuge(res, fault.bytes, fault.declared ?? false);
      case "trickle": {
        const text = JSON.stringify(completion(call, buildContent(call), true));
        res.writeHead(200, { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)) });
        for (const ch of text) {
          if (res.destroyed) return void fake.answersCut++;
          res.write(ch);
          if (!(await delay(fault.everyMs, res))) return void fake.answersCut++;
        }
        return void res.end();
      }
    }
  }

  const server = createServer((req, res) => {
    req.on("error", () => {});
    res.on("error", () => {});
    const arrived = performance.now();
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = (req.url ?? "").split("?")[0];
      const handle = async () => {
        const control = controlResponse(fake, req.method ?? "", path ?? "", Buffer.concat(chunks).toString("utf8"));
        if (control) return send(res, control.status, control.body);
        if (req.method === "POST" && path === "/v1/chat/completions") {
          fake.maxInFlight = Math.max(fake.maxInFlight, ++fake.inFlight);
          res.once("close", () => fake.inFlight--);
          return chat(req, res, Buffer.concat(chunks).toString("utf8"), arrived);
        }
        if (req.method === "GET" && path === "/v1/models") {
          const created = Math.floor(Date.now() / 1000);
          return send(res, 200, {
            object: "list",
            data: ["fake-model", "gpt-4o-mini"].map((id) => ({ id, object: "model", created, owned_by: "fake-upstream" })),
          });
        }
        send(res, 404, errorBody(404, `Unknown route ${req.method} ${path}`));
      };
      handle().catch((err: unknown) => send(res, 500, errorBody(500, `Fake upstream failure: ${String(err)}`)));
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("error", () => {});
    s.on("close", () => sockets.delete(s));
  });
  server.on("clientError", (_err, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  const fake: FakeUpstream = {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    calls: [],
    inFlight: 0,
    maxInFlight: 0,
    latencyMs: defaults.latencyMs,
    answersCut: 0,
    logprobs: defaults.logprobs,
    promptTokensPerChar: 0.25,
    promptTokensOf: null,
    checklist: DEFAULT_CHECKLIST.map((i) => ({ ...i })),
    answer: defaultAnswer,
    compare: defaultCompare,
    text: DEFAULT_TEXT,
    enqueue: (...faults) => void queue.push(...faults),
    reset() {
      fake.calls.length = 0;
      fake.maxInFlight = fake.inFlight;
      queue.length = 0;
      fake.answersCut = 0;
      fake.latencyMs = defaults.latencyMs;
      fake.logprobs = defaults.logprobs;
      fake.promptTokensPerChar = 0.25;
      fake.promptTokensOf = null;
      fake.checklist = DEFAULT_CHECKLIST.map((i) => ({ ...i }));
      fake.answer = defaultAnswer;
      fake.compare = defaultCompare;
      fake.text = DEFAULT_TEXT;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of [...timers]) t.done();
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
      }),
  };
  return fake;
}

function isEntryPoint(): boolean {
  const argv1 = process.argv[1];
  if (!argv1) return false;
  try {
    return realpathSync(argv1) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  const args = process.argv.slice(2);
  const flag = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const mode = flag("logprobs");
  const fake = await startFakeUpstream({
    port: Number(flag("port") ?? 0),
    latencyMs: Number(flag("latency") ?? 0),
    logprobs: mode === "fused" || mode === "none" ? mode : "split",
  });
  console.log(fake.baseUrl);
  const stop = () => void fake.close().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
