// `tickbox/client`: a typed client of the HTTP API, from the route declarations themselves.
import { type ClientRequestOptions, hc } from "hono/client";
import type { AppType } from "./app";

export type { AppType } from "./app";

/**
 * A client whose paths, bodies and responses are typed from the server's routes, e.g.
 * `await (await client.v1.evaluations.$post({ json: {...} })).json()`.
 */
export function createClient(baseUrl: string, options?: ClientRequestOptions) {
  return hc<AppType>(baseUrl, options);
}

export type TickboxClient = ReturnType<typeof createClient>;
