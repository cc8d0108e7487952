import { ProblemError } from "../errors";

/**
 * The parts of Node's IncomingMessage the reader uses, declared here rather than imported from
 * node:http so that this module also type-checks (and bundles) for Workers, where it is absent.
 */
export interface IncomingMessage {
  headers: Record<string, string | string[] | undefined>;
  readableEnded: boolean;
  /** Whether anything has read from the stream (events or `read`). */
  readableDidRead: boolean;
  /** Bytes received and not yet read. */
  readableLength: number;
  /** Everything buffered, as one chunk (null when nothing is). */
  read(): Uint8Array | null;
  on(event: "data", listener: (chunk: Uint8Array) => void): unknown;
  removeAllListeners(event: "data"): unknown;
  once(event: "end" | "close", listener: () => void): unknown;
  once(event: "error", listener: (error: Error) => void): unknown;
  pause(): unknown;
  resume(): unknown;
}

/** How much a body may hold and how long it may take to arrive. */
export interface BodyLimits {
  maxBytes: number;
  /** The variable that sets `maxBytes`, named in the 413. */
  limitName: string;
  /** Time allowed for the body, plus a second per MiB received (TICKBOX_REQUEST_TIMEOUT_MS). */
  timeoutMs: number;
}

const MIB = 1024 * 1024;
/** Chunks read ahead of the consumer before the socket is paused: what bounds a streamed body's memory. */
const READ_AHEAD = 8;

/** Pulls chunks from a body: `null` at its end. `discard` drops the rest unread. */
interface ChunkSource {
  read(): Promise<Uint8Array | null>;
  discard(): void;
}

function nodeSource(incoming: IncomingMessage): ChunkSource {
  const queue: Uint8Array[] = [];
  let ended = false;
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  const notify = () => {
    wake?.();
    wake = null;
  };
  incoming.on("data", (chunk) => {
    queue.push(chunk);
    if (queue.length >= READ_AHEAD) incoming.pause();
    notify();
  });
  incoming.once("end", () => {
    ended = true;
    notify();
  });
  // A client that goes away mid-body ends the read; its request is answered to no one.
  incoming.once("close", () => {
    if (!ended) failure ??= new Error("the connection closed before the body ended");
    notify();
  });
  incoming.once("error", (error) => {
    failure ??= error;
    notify();
  });
  return {
    async read() {
      while (queue.length === 0 && !ended && !failure) await new Promise<void>((resolve) => (wake = resolve));
      const chunk = queue.shift();
      if (chunk) {
        if (queue.length < READ_AHEAD / 2) incoming.resume();
        return chunk;
      }
      if (failure) throw failure;
      return null;
    },
    discard() {
      // Flowing with no listener: the rest is read and dropped, so that an answer can still be sent.
      incoming.removeAllListeners("data");
      queue.length = 0;
      incoming.resume();
    },
  };
}

function webSource(body: ReadableStream<Uint8Array> | null): ChunkSource {
  const reader = body?.getReader();
  return {
    async read() {
      if (!reader) return null;
      const { done, value } = await reader.read();
      return done ? null : value;
    },
    discard() {
      void reader?.cancel().catch(() => {});
    },
  };
}

/**
 * A request body read chunk by chunk, straight from Node's IncomingMessage when there is one (much
 * cheaper than a web stream), else from the Fetch API's stream. It stops with a 413 past
 * `limits.maxBytes` and with a 408 once the body has taken longer than `limits.timeoutMs` plus a
 * second per MiB received: a large body arriving at 1 MiB/s or more is never cut, a trickle is.
 * After either, the rest of the body is discarded.
 */
export async function* bodyChunks(
  source: { incoming?: IncomingMessage | undefined; stream: ReadableStream<Uint8Array> | null },
  limits: BodyLimits,
): AsyncGenerator<Uint8Array> {
  const chunks = source.incoming ? nodeSource(source.incoming) : webSource(source.stream);
  const started = Date.now();
  let size = 0;
  try {
    for (;;) {
      const due = started + limits.timeoutMs + (size / MIB) * 1000;
      const chunk = await beforeDue(chunks.read().catch(brokenOff), due, limits);
      if (chunk === null) return;
      size += chunk.length;
      if (size > limits.maxBytes) throw tooLarge(limits);
      yield chunk;
    }
  } catch (error) {
    chunks.discard();
    throw error;
  }
}

/** A body the client stopped sending (it closed the connection, or sent broken chunked framing). */
function brokenOff(error: unknown): never {
  throw new ProblemError("malformed_request", `the body broke off before its end (${error instanceof Error ? error.message : "the connection failed"})`);
}

export function tooLarge(limits: Pick<BodyLimits, "maxBytes" | "limitName">): ProblemError {
  return new ProblemError("payload_too_large", `the body exceeds ${limits.maxBytes} bytes (${limits.limitName})`);
}

function beforeDue<T>(read: Promise<T>, due: number, limits: BodyLimits): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => {
        // The read may still settle (or fail, once the connection is closed): nobody waits for it.
        read.catch(() => {});
        reject(
          new ProblemError(
            "request_timeout",
            `the body did not arrive in time: ${limits.timeoutMs} ms plus a second per MiB received (TICKBOX_REQUEST_TIMEOUT_MS)`,
          ),
        );
      },
      Math.max(0, due - Date.now()),
    );
  });
  return Promise.race([read, late]).finally(() => clearTimeout(timer));
}

/**
 * A Node request's body when every byte its Content-Length declares has arrived and nothing has
 * read it yet: taken from the request's buffer at once, with no listener or timer (most bodies come
 * in the packet that brings their headers). Null otherwise: then it is read as a stream.
 */
function arrived(incoming: IncomingMessage | undefined, limits: BodyLimits): Uint8Array | null {
  const declared = incoming?.headers["content-length"];
  if (!incoming || incoming.readableDidRead || declared === undefined || incoming.readableLength !== Number(declared)) return null;
  const whole = incoming.read() ?? new Uint8Array(0);
  // The parser marks the message complete right after its last byte; flowing, the stream then ends
  // (the server reads nothing more of it, and knows the request was read to its end).
  incoming.resume();
  if (whole.length > limits.maxBytes) throw tooLarge(limits);
  return whole;
}

/** The whole body as one byte array, read within the limits. */
export async function readBody(...args: Parameters<typeof bodyChunks>): Promise<Uint8Array> {
  // The middleware runs as soon as the headers are parsed; the body the connection has received
  // with them is in the request's buffer by the next microtask.
  await undefined;
  const early = arrived(args[0].incoming, args[1]);
  if (early) return early;
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of bodyChunks(...args)) {
    chunks.push(chunk);
    size += chunk.length;
  }
  if (chunks.length === 1) return chunks[0]!;
  const whole = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    whole.set(chunk, at);
    at += chunk.length;
  }
  return whole;
}
