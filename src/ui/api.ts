import type { Context } from "hono";
import type { App, AppEnv } from "../env";

/** A problem the API answered with; the page shows it (and asks for a key on a 401). */
export class ApiProblem extends Error {
  override name = "ApiProblem";
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
  ) {
    super(detail);
  }
}

/** The API as one page request may use it. */
export interface Api {
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body: unknown): Promise<T>;
  text(path: string): Promise<string>;
}

/**
 * The viewer reads everything through the public API, in process, with the caller's own
 * Authorization header: what a page shows is what that key may read over HTTP, with the API's
 * authentication, scopes and tenant isolation, and nothing else.
 */
export function apiFor(app: App, c: Context<AppEnv>): Api {
  const authorization = c.req.header("authorization");
  const send = async (path: string, init: RequestInit = {}) => {
    const headers: Record<string, string> = { ...(init.headers as Record<string, string>) };
    if (authorization) headers.authorization = authorization;
    const res = await app.request(path, { ...init, headers });
    if (res.ok) return res;
    const body = (await res.json().catch(() => ({}))) as { title?: string; detail?: string };
    throw new ApiProblem(res.status, body.title ?? `HTTP ${res.status}`, body.detail ?? "");
  };
  return {
    get: async <T>(path: string) => (await (await send(path)).json()) as T,
    post: async <T>(path: string, body: unknown) =>
      (await (await send(path, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } })).json()) as T,
    text: async (path) => (await send(path)).text(),
  };
}
