import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { ProblemError } from "../errors";
import { type BodyLimits, type IncomingMessage, bodyChunks, readBody, tooLarge } from "./body-stream";
import { decodeUtf8 } from "./utf8";

const JSON_TYPE = /^application\/([\w.-]+\+)?json\s*(;|$)/i;

/** The media types a JSON Lines body may be sent as, one list for the middleware, routes and docs. */
export const JSON_LINES_TYPES = ["application/x-ndjson", "application/jsonl", "application/x-jsonlines"] as const;

const essence = (type: string) => type.split(";")[0]!.trim().toLowerCase();

export const isJsonLinesMediaType = (type: string) => (JSON_LINES_TYPES as readonly string[]).includes(essence(type));

/** How one route's body may differ from the default: a larger limit, JSON Lines accepted, streamed. */
export interface BodyRule {
  maxBytes: number;
  /** The variable that sets `maxBytes`, named in the 413. */
  limitName: string;
  ndjson?: boolean;
  /** Left unread for the route, which reads it as a stream (see `streamBody`). */
  stream?: boolean;
}

/** The Node request behind a context, when the app runs on @hono/node-server. */
function incomingOf(c: Context): IncomingMessage | undefined {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  return incoming && typeof incoming.on === "function" && !incoming.readableEnded ? incoming : undefined;
}

/**
 * A request header, read from Node's own header object when there is one: building the web
 * `Headers` object on Node costs more than everything else on a replayed request.
 */
export function requestHeader(c: Context, name: string): string | undefined {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (!incoming?.headers) return c.req.header(name);
  const value = incoming.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

// Only without Node's request is the web one touched: on Node, building it would read the body.
const sourceOf = (c: Context) => {
  const incoming = incomingOf(c);
  return incoming ? { incoming, stream: null } : { stream: c.req.raw.body };
};

async function* noBody(): AsyncGenerator<Uint8Array> {}

/**
 * A streamed route's body, chunk by chunk, within the route's size limit and the time limit
 * (see `bodyChunks`); nothing when the request has no body. The middleware has checked its media
 * type and declared length already.
 */
export function streamBody(c: Context<AppEnv>): AsyncGenerator<Uint8Array> {
  const limits = c.get("bodyLimits");
  return limits ? bodyChunks(sourceOf(c), limits) : noBody();
}

/**
 * Checks the media type and reads the body once, before any handler runs: 415 for anything but
 * JSON (or JSON Lines where the route takes it), 413 past the size limit, 408 when it arrives too
 * slowly, 400 when its bytes are not UTF-8 (naming the offset). The text is left in the context
 * (`bodyText`) for the replay cache and the body's check (`jsonBodyValue`). Routes listed in
 * `rules` (by exact path) get their own limit, may accept JSON Lines, and may take the body as a
 * stream instead (bounded memory however large it is).
 */
export function readJsonBody(defaults: { maxBytes: number; timeoutMs: number }, rules: Record<string, BodyRule> = {}): MiddlewareHandler<AppEnv> {
  const fallback: BodyRule = { maxBytes: defaults.maxBytes, limitName: "TICKBOX_MAX_BODY_BYTES" };
  return async (c, next) => {
    if (c.req.method !== "POST" && c.req.method !== "PUT" && c.req.method !== "PATCH") return next();
    const rule = rules[c.req.path] ?? fallback;
    const type = requestHeader(c, "content-type") ?? "";
    // A POST with no body at all (an action such as …/cancel) has nothing to check.
    if (!type && !requestHeader(c, "transfer-encoding") && !(Number(requestHeader(c, "content-length")) > 0)) return next();
    if (!JSON_TYPE.test(type) && !(rule.ndjson && isJsonLinesMediaType(type))) {
      const wanted = rule.ndjson ? `application/json or JSON Lines (${JSON_LINES_TYPES.join(", ")})` : "application/json";
      throw new ProblemError("unsupported_media_type", type ? `the body is ${essence(type)}; send ${wanted}` : `the body has no Content-Type; send ${wanted}`);
    }
    if (Number(requestHeader(c, "content-length")) > rule.maxBytes) throw tooLarge(rule);
    const limits: BodyLimits = { maxBytes: rule.maxBytes, limitName: rule.limitName, timeoutMs: defaults.timeoutMs };
    if (rule.stream) {
      c.set("bodyLimits", limits);
      return next();
    }
    c.set("bodyText", decodeUtf8(await readBody(sourceOf(c), limits)));
    await next();
  };
}

/** The media types a route declaring `application/json` takes (zod-openapi's rule for a declared JSON body). */
const DECLARED_JSON = /^application\/([a-z-.]+\+)?json(;\s*[a-zA-Z0-9-]+=([^;]+))*$/i;

const notDeclaredJson = () => new ProblemError("unsupported_media_type", "send the body as application/json");

/** The problem for a body that is not JSON. */
const malformedJson = () => new ProblemError("invalid_json", "the body could not be parsed as JSON", [{ path: "", message: "malformed JSON" }]);

/**
 * The JSON value of a body `readJsonBody` has read, for a route that declares an `application/json`
 * body: 415 for a media type outside the declared one, 400 for text that is not JSON, and `{}` for
 * a request with no body at all (which the route's schema then refuses, naming the fields it lacks).
 */
export async function jsonBodyValue(c: Context<AppEnv>): Promise<unknown> {
  const type = requestHeader(c, "content-type");
  if (!type) {
    // Over HTTP/1.1 a request with neither a length nor chunks has no body (see readJsonBody); a
    // web request (in-process, or from a runtime that drops the length) may carry one all the same.
    const overHttp = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming !== undefined;
    if (!overHttp && c.req.raw.body && (await c.req.arrayBuffer()).byteLength > 0) throw notDeclaredJson();
    return {};
  }
  if (!DECLARED_JSON.test(type)) throw notDeclaredJson();
  try {
    return JSON.parse(c.get("bodyText") ?? "");
  } catch {
    throw malformedJson();
  }
}
