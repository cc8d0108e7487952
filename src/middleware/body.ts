import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { ProblemError } from "../errors";

/**
 * The parts of Node's IncomingMessage the reader uses, declared here rather than imported from
 * node:http so that this module also type-checks (and bundles) for Workers, where it is absent.
 */
interface IncomingMessage {
  headers: Record<string, string | string[] | undefined>;
  readableEnded: boolean;
  on(event: "data", listener: (chunk: Uint8Array) => void): unknown;
  off(event: "data", listener: (chunk: Uint8Array) => void): unknown;
  once(event: "end", listener: () => void): unknown;
  once(event: "error", listener: (error: Error) => void): unknown;
  resume(): unknown;
}

const JSON_TYPE = /^application\/([\w.-]+\+)?json\s*(;|$)/i;
const NDJSON_TYPE = /^application\/(x-ndjson|jsonl|x-jsonlines)\s*(;|$)/i;

export const isJsonMediaType = (type: string) => JSON_TYPE.test(type);

/** How one route's body may differ from the default: a larger limit, JSON Lines accepted. */
export interface BodyRule {
  maxBytes: number;
  /** The variable that sets `maxBytes`, named in the 413. */
  limitName: string;
  ndjson?: boolean;
}

/** The Node request behind a context, when the app runs on @hono/node-server. */
export function incomingOf(c: Context): IncomingMessage | undefined {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  return incoming && typeof incoming.on === "function" ? incoming : undefined;
}

/**
 * A request header, read from Node's own header object when there is one: building the web
 * `Headers` object on Node costs more than everything else on a replayed request.
 */
export function requestHeader(c: Context, name: string): string | undefined {
  const incoming = incomingOf(c);
  if (!incoming) return c.req.header(name);
  const value = incoming.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

function tooLarge(rule: BodyRule): ProblemError {
  return new ProblemError("payload_too_large", `the body exceeds ${rule.maxBytes} bytes (${rule.limitName})`);
}

const decoder = new TextDecoder();

/** Decodes the chunks as one UTF-8 text (a character may straddle two chunks). */
function utf8(chunks: Uint8Array[]): string {
  if (chunks.length === 1) return decoder.decode(chunks[0]);
  const whole = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    whole.set(chunk, at);
    at += chunk.length;
  }
  return decoder.decode(whole);
}

/** Reads a Node request's body straight from the socket stream, stopping at the limit. */
function readIncoming(incoming: IncomingMessage, rule: BodyRule): Promise<string> {
  const limit = rule.maxBytes;
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    const onData = (chunk: Uint8Array) => {
      size += chunk.length;
      if (size > limit) {
        incoming.off("data", onData);
        incoming.resume();
        reject(tooLarge(rule));
      } else chunks.push(chunk);
    };
    incoming.on("data", onData);
    incoming.once("end", () => resolve(utf8(chunks)));
    incoming.once("error", reject);
  });
}

/**
 * Checks the media type and reads the JSON body once, within the size limit, before any handler
 * runs: 415 for anything but JSON, 413 past the limit. The text is left in Hono's body cache, so the
 * route's validator parses it without reading the stream again. On Node the bytes come straight
 * from the IncomingMessage, which is markedly cheaper than a web ReadableStream. Routes listed in
 * `rules` (by exact path) get their own limit and may accept JSON Lines.
 */
export function readJsonBody(maxBytes: number, rules: Record<string, BodyRule> = {}): MiddlewareHandler<AppEnv> {
  const fallback: BodyRule = { maxBytes, limitName: "TICKBOX_MAX_BODY_BYTES" };
  return async (c, next) => {
    if (c.req.method !== "POST" && c.req.method !== "PUT" && c.req.method !== "PATCH") return next();
    const rule = rules[c.req.path] ?? fallback;
    const type = requestHeader(c, "content-type") ?? "";
    // A POST with no body at all (an action such as …/cancel) has nothing to check.
    if (!type && !requestHeader(c, "transfer-encoding") && !(Number(requestHeader(c, "content-length")) > 0)) return next();
    if (!JSON_TYPE.test(type) && !(rule.ndjson && NDJSON_TYPE.test(type))) {
      const wanted = rule.ndjson ? "application/json or application/x-ndjson" : "application/json";
      throw new ProblemError(
        "unsupported_media_type",
        type ? `the body is ${type.split(";")[0]}; send ${wanted}` : `the body has no Content-Type; send ${wanted}`,
      );
    }
    const declared = Number(requestHeader(c, "content-length"));
    if (declared > rule.maxBytes) throw tooLarge(rule);
    const incoming = incomingOf(c);
    let text: string;
    if (incoming && !incoming.readableEnded) {
      text = await readIncoming(incoming, rule);
    } else {
      text = await c.req.text();
      if (new TextEncoder().encode(text).length > rule.maxBytes) throw tooLarge(rule);
    }
    // Hono keeps the pending read in its body cache; a settled one stands in for it.
    (c.req.bodyCache as Record<string, unknown>).text = Promise.resolve(text);
    c.set("bodyText", text);
    await next();
  };
}
