/** A response as the tests read it: the body both as text and, when it parses, as JSON. */
export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

export interface Client {
  send(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Reply>;
  get(path: string): Promise<Reply>;
}

/**
 * A JSON client over anything that answers a Request: `app.request` on Node, the Worker's
 * `fetch` inside workerd. Runtime-neutral, so the contract scenarios run on both.
 */
export function clientOver(handle: (request: Request) => Response | Promise<Response>): Client {
  const send = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body = typeof body === "string" || body instanceof Uint8Array ? (body as string) : JSON.stringify(body);
      (init.headers as Record<string, string>)["content-type"] ??= "application/json";
    }
    const res = await handle(new Request(`http://localhost${path}`, init));
    const text = await res.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
  };
  return {
    send,
    post: (path, body, headers) => send("POST", path, body, headers),
    get: (path) => send("GET", path),
  };
}

/** A client of a server listening at `base`, over real HTTP (fetch). */
export function clientAt(base: string): Client {
  return clientOver(async (request) => {
    const url = new URL(request.url);
    const body = request.body ? new Uint8Array(await request.arrayBuffer()) : undefined;
    return fetch(`${base}${url.pathname}${url.search}`, { method: request.method, headers: request.headers, ...(body ? { body } : {}) });
  });
}
