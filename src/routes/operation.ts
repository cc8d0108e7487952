import { type RouteConfig, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { type Access, accessChain, pathRequirements } from "../auth/access";
import type { RequestContext } from "../context";
import type { App, AppEnv, Services } from "../env";

/**
 * One operation of the API, as a module under src/routes/ exports it: its route (createRoute), its
 * access declaration, and `register`, which mounts the handler. See docs/adding-an-operation.md.
 */
export interface Operation {
  route: RouteConfig;
  access: Access;
  register(app: App): unknown;
}

/** The context of the request being served; the access middleware made it for every operation that needs a key. */
export function contextOf(c: Context<AppEnv>): RequestContext {
  const ctx = c.get("ctx");
  if (!ctx) throw new Error(`${c.req.method} ${c.req.routePath} is declared public but asks for a request context`);
  return ctx;
}

/** Hono's form of an OpenAPI path: `/v1/evaluations/{id}` → `/v1/evaluations/:id`. */
const honoPath = (path: string) => path.replaceAll(/\/{(.+?)}/g, "/:$1");

/**
 * Pages a module serves beside the API (the viewer): public GET paths that hold no data of their
 * own — what they show they fetch through the API's operations, under the caller's key.
 */
export interface Pages {
  paths: readonly string[];
  register(app: App): unknown;
}

/** The zod schema a route declares for an `application/json` body, if any. */
function jsonSchemaOf(route: RouteConfig): z.ZodType | undefined {
  const schema = (route.request?.body?.content as Record<string, { schema?: unknown }> | undefined)?.["application/json"]?.schema;
  return schema instanceof z.ZodType ? schema : undefined;
}

const declared = new WeakMap<App, Map<string, Access>>();

/** The declarations of an app's operations, by `METHOD /hono/path`. */
export function declarationsOf(app: App): ReadonlyMap<string, Access> {
  return declared.get(app) ?? new Map();
}

/**
 * Mounts operations: each behind the middleware its declaration calls for (see accessChain), then
 * its handler; then pages, public by declaration. Afterwards every route the app answers must be a declared operation: a route added
 * any other way stops the app from starting rather than being served without access control.
 */
export function mountOperations(app: App, services: Services, operations: readonly Operation[], pages: readonly Pages[] = []): void {
  const table = new Map<string, Access>();
  declared.set(app, table);
  for (const { route, access, register } of operations) {
    if (!access) throw new Error(`${route.method.toUpperCase()} ${route.path} has no access declaration`);
    // A body is read only within the limit its declaration names: one it does not would be read unbounded.
    if (route.request?.body && (access.auth !== "key" || !access.body)) {
      throw new Error(`${route.method.toUpperCase()} ${route.path} takes a body but declares no body limit`);
    }
    const method = route.method.toUpperCase();
    const path = honoPath(route.path);
    table.set(`${method} ${path}`, access);
    const chain = accessChain(services, access, method, route.path, jsonSchemaOf(route));
    if (chain.length > 0) app.on([method], [path], ...chain);
    register(app);
  }
  for (const module of pages) {
    for (const path of module.paths) table.set(`GET ${path}`, { auth: "public" });
    module.register(app);
  }
  for (const { method, path } of app.routes) {
    if (method === "ALL") continue;
    if (!table.has(`${method} ${path}`)) throw new Error(`${method} ${path} is served without an access declaration (see docs/adding-an-operation.md)`);
  }
}

/** What the contract says of an operation's access: `security` (bearer, with its scopes) and `x-access`. */
export function contractOf(access: Access): Record<string, unknown> {
  if (access.auth === "public") {
    return { security: [], "x-access": { public: true, ...(access.operatorOnly ? { operator_only_when: "TICKBOX_METRICS_PUBLIC=false" } : {}) } };
  }
  return {
    security: [{ bearer: pathRequirements(access) }],
    "x-access": {
      scopes: pathRequirements(access),
      ...(access.objects ? { objects: access.objects } : {}),
      ...(access.creates ? { creates: access.creates } : {}),
      spends_tokens: access.spends,
      ...(access.body ? { body: access.body } : {}),
      replayable: access.replay !== undefined,
      ...(access.adminKeyOnly ? { needs_admin_key: true } : {}),
    },
  };
}
