// Structured logs: one JSON object a line. Node uses pino (src/log-node.ts); Workers, whose console
// is their log, get the same lines from `consoleLogger`. Nothing here imports a Node module.
import type { Usage } from "./llm/usage";

export type LogFields = Record<string, unknown>;

/** The one line each request leaves: who asked what, how it ended, what it cost. Never a key or request text. */
export interface RequestLine extends Usage {
  request_id: string;
  method: string;
  /** The route's pattern (`/v1/evaluations/:id`), or "unmatched". */
  route: string;
  status: number;
  duration_ms: number;
  tenant: string | null;
  key_id: string | null;
  cache: string;
  traceparent?: string | undefined;
}

/** The subset of pino's API the service uses, so that any runtime can supply one; plus the request line. */
export interface Logger {
  info(fields: LogFields, message?: string): void;
  warn(fields: LogFields, message?: string): void;
  error(fields: LogFields, message?: string): void;
  /** One request's line, at level info with the message "request". */
  request(line: RequestLine): void;
}

/** Drops everything: the default where no log is wanted (tests building apps in-process). */
export const silentLogger: Logger = { info() {}, warn() {}, error() {}, request() {} };

/**
 * A request line as pino writes it (`{"level":30,"time":…,…,"msg":"request"}`), built directly:
 * on every request's path, pino's general serialiser cost several times this.
 */
const text = (v: string | null) => (v === null ? "null" : JSON.stringify(v));

export function requestLineJson(line: RequestLine, time = Date.now()): string {
  return (
    `{"level":30,"time":${time},"request_id":${text(line.request_id)},"method":${text(line.method)},"route":${text(line.route)}` +
    `,"status":${line.status},"duration_ms":${line.duration_ms},"tenant":${text(line.tenant)},"key_id":${text(line.key_id)}` +
    `,"cache":${text(line.cache)},"upstream_calls":${line.upstream_calls},"prompt_tokens":${line.prompt_tokens},"completion_tokens":${line.completion_tokens}` +
    `${line.traceparent ? `,"traceparent":${text(line.traceparent)}` : ""},"msg":"request"}\n`
  );
}

const LEVELS = { info: 30, warn: 40, error: 50 } as const;

/** pino's line format (level number, epoch-ms time, msg) written with console.log: the Workers logger. */
export function consoleLogger(write: (line: string) => void = (line) => console.log(line)): Logger {
  const line = (level: keyof typeof LEVELS) => (fields: LogFields, message?: string) => {
    write(JSON.stringify({ level: LEVELS[level], time: Date.now(), ...fields, ...(message ? { msg: message } : {}) }));
  };
  return { info: line("info"), warn: line("warn"), error: line("error"), request: (fields) => write(requestLineJson(fields).trimEnd()) };
}

/**
 * An unexpected error as log fields: its name and where it was thrown, not its message, which may
 * carry request data (a failed query's message lists its parameters, request text among them).
 */
export function errorFields(error: unknown): LogFields {
  if (!(error instanceof Error)) return { error: { name: typeof error } };
  const frames = (error.stack ?? "").split("\n").filter((line) => line.trimStart().startsWith("at "));
  return { error: { name: error.name, stack: frames.slice(0, 12).map((line) => line.trim()) } };
}
