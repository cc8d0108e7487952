import http from "node:http";
import https from "node:https";

// Keep-alive pools: one connection per in-flight call, reused across calls.
const agents = {
  "http:": new http.Agent({ keepAlive: true, maxSockets: 256 }),
  "https:": new https.Agent({ keepAlive: true, maxSockets: 256 }),
};

function plainHeaders(headers: RequestInit["headers"]): Record<string, string> {
  if (!headers) return {};
  if (headers instanceof Headers) return Object.fromEntries(headers.entries());
  if (Array.isArray(headers)) return Object.fromEntries(headers);
  return { ...(headers as Record<string, string>) };
}

const abortError = (signal: AbortSignal) =>
  signal.reason instanceof Error ? signal.reason : new DOMException("This operation was aborted", "AbortError");

/**
 * A `fetch` for the upstream client on Node, over node:http(s) with keep-alive. It does only what
 * a JSON API call needs (a string body in, a buffered body out, abort), and costs about a third of
 * the CPU of the built-in fetch per call (measured: ~0.45 against ~1.2 ms), which is most of what
 * tickbox itself spends on a cache miss.
 */
export const nodeFetch: typeof fetch = (input, init) =>
  new Promise<Response>((resolve, reject) => {
    const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
    const agent = agents[url.protocol as keyof typeof agents];
    if (!agent) return reject(new TypeError(`unsupported protocol ${url.protocol}`));
    const signal = init?.signal ?? undefined;
    if (signal?.aborted) return reject(abortError(signal));
    const body = init?.body;
    if (body !== undefined && body !== null && typeof body !== "string") {
      return reject(new TypeError("only string bodies are supported"));
    }
    const request = (url.protocol === "https:" ? https : http).request(
      url,
      { method: init?.method ?? "GET", headers: plainHeaders(init?.headers), agent },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", reject);
        response.on("end", () => {
          const status = response.statusCode ?? 502;
          const headers = new Headers();
          for (const [name, value] of Object.entries(response.headers)) {
            for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, v);
          }
          const content = status === 204 || status === 304 ? null : Buffer.concat(chunks);
          resolve(new Response(content, { status, statusText: response.statusMessage ?? "", headers }));
        });
      },
    );
    const onAbort = () => {
      request.destroy();
      reject(abortError(signal!));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    request.on("close", () => signal?.removeEventListener("abort", onAbort));
    request.on("error", reject);
    request.end(body ?? undefined);
  });
