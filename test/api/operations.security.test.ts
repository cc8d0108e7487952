// Every operation in the contract, against its declaration: 401 without a key, 403 for each key
// whose scopes fall short (of the operation or of an object its body names), 404 for another
// tenant's id wherever an id goes, usage booked to the caller's key alone, and a key whose budget is
// spent refused by the operations that may spend and by no other.
import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { beforeAll, describe, expect, it } from "vitest";
import { OBJECT_SCOPES, type ObjectKind } from "../../src/context";
import type { AppEnv } from "../../src/env";
import { mountOperations } from "../../src/routes/operation";
import { openApiDocument } from "../../src/routes/system/docs";
import { EXAMPLES, type Example } from "../support/operation-examples";
import { bearer, useFakeUpstream } from "../support/file-fake";
import { type Key, type Objects, makeKey, spendEarlier, twoTenants, usageOf } from "../support/tenants";

const fake = useFakeUpstream();

interface Declared {
  scopes: string[];
  objects?: Record<string, ObjectKind>;
  creates?: Record<string, ObjectKind>;
  spends_tokens: boolean;
}

interface Operation {
  name: string;
  method: string;
  access: Declared | { public: true } | undefined;
  example: Example | undefined;
}

/** The value at a JSON Pointer (`*` taking the first element), and a copy with it replaced. */
function at(body: unknown, pointer: string): unknown {
  return pointer
    .split("/")
    .slice(1)
    .reduce<any>((v, part) => (v === undefined ? undefined : v[part === "*" ? 0 : part]), body);
}
function withValue(body: unknown, pointer: string, value: string): unknown {
  const copy = structuredClone(body);
  const parts = pointer
    .split("/")
    .slice(1)
    .map((p) => (p === "*" ? "0" : p));
  let v: any = copy;
  for (const part of parts.slice(0, -1)) v = v[part];
  v[parts.at(-1)!] = value;
  return copy;
}

/** The other tenant's object of the same kind as the id found in our body. */
function theirsFor(mine: Objects, theirs: Objects, id: string): string {
  const kind = (Object.keys(mine) as (keyof Objects)[]).find((k) => mine[k] === id);
  if (!kind) throw new Error(`the example names ${id}, which is none of the tenant's objects`);
  return theirs[kind];
}

let world: Awaited<ReturnType<typeof twoTenants>>;
let operations: Operation[];

beforeAll(async () => {
  world = await twoTenants(fake);
  const doc = openApiDocument(world.t.app);
  operations = Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
    Object.entries(item as Record<string, any>).map(([method, op]) => {
      const name = `${method.toUpperCase()} ${path}`;
      return { name, method: method.toUpperCase(), access: op["x-access"], example: EXAMPLES[name] };
    }),
  );
}, 60_000);

const send = (op: Operation, key: Key | undefined, ids: Objects, body?: unknown) =>
  world.t.send(op.method, op.example!.path(ids), body, key ? bearer(key.key) : {});

const keyed = () => operations.filter((op) => op.access && !("public" in op.access)) as (Operation & { access: Declared })[];

describe("the contract's operations and their declarations", () => {
  it("declares every operation's access and has an example request for each", () => {
    expect(operations.length).toBeGreaterThanOrEqual(25);
    for (const op of operations) {
      expect(op.access, `${op.name} has no access declaration`).toBeDefined();
      if (!("public" in op.access!)) expect(op.example, `${op.name} has no example in test/support/operation-examples.ts`).toBeDefined();
    }
  });

  it("refuses to start an app that serves a route without a declaration", () => {
    const app = new OpenAPIHono<AppEnv>();
    app.get("/v1/sneaky", (c) => c.text("no checks here"));
    expect(() => mountOperations(app, world.t.services, [])).toThrow(/GET \/v1\/sneaky .*without an access declaration/);
    const route = createRoute({ method: "get", path: "/v1/undeclared", responses: { 200: { description: "x" } } });
    const undeclared = { route, register: (a: typeof app) => a.openapi(route, (c) => c.text("x") as never) } as never;
    expect(() => mountOperations(new OpenAPIHono<AppEnv>(), world.t.services, [undeclared])).toThrow(/no access declaration/);
    const withBody = createRoute({
      method: "post",
      path: "/v1/unbounded",
      request: { body: { content: { "application/json": { schema: z.object({}) } } } },
      responses: { 200: { description: "x" } },
    });
    const unbounded = { route: withBody, access: { auth: "key", scopes: [], spends: false }, register: () => undefined } as never;
    expect(() => mountOperations(new OpenAPIHono<AppEnv>(), world.t.services, [unbounded])).toThrow(/declares no body limit/);
  });
});

/** JSON Pointers (`*` for array elements) of the body fields named `…_id` in an operation's request schema. */
function idFields(doc: any, op: any): string[] {
  const resolve = (schema: any): any => (schema?.$ref ? resolve(doc.components.schemas[schema.$ref.split("/").pop()]) : schema);
  const found: string[] = [];
  const walk = (schema: any, at: string, depth: number) => {
    schema = resolve(schema);
    if (!schema || depth > 6) return;
    for (const branch of [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])]) walk(branch, at, depth + 1);
    if (schema.type === "array") walk(schema.items, `${at}/*`, depth + 1);
    for (const [name, member] of Object.entries(schema.properties ?? {})) {
      // A batch item's custom_id is the caller's own label, not the id of a stored object.
      if (name.endsWith("_id") && name !== "custom_id") found.push(`${at}/${name}`);
      walk(member, `${at}/${name}`, depth + 1);
    }
  };
  // The JSON body (a batch's JSON Lines are its array's items, one a line).
  walk(op.requestBody?.content?.["application/json"]?.schema, "", 0);
  return [...new Set(found)];
}

describe("declarations match the contract's shapes", () => {
  it("every {id} in a path and every …_id field in a body is a declared object", () => {
    const doc = openApiDocument(world.t.app) as any;
    let fields = 0;
    for (const [path, item] of Object.entries(doc.paths) as [string, any][]) {
      for (const [method, op] of Object.entries(item) as [string, any][]) {
        const objects = op["x-access"]?.objects ?? {};
        if (path.includes("{id}")) expect(objects.path, `${method.toUpperCase()} ${path}: the {id} is not a declared object`).toBeDefined();
        for (const pointer of idFields(doc, op)) {
          expect(objects[pointer], `${method.toUpperCase()} ${path}: ${pointer} is not a declared object`).toBeDefined();
          fields++;
        }
      }
    }
    expect(fields).toBeGreaterThanOrEqual(10);
  });
});

describe("every operation that needs a key", () => {
  it("answers 401 without one, and calls nothing upstream", async () => {
    for (const op of keyed()) {
      const res = await send(op, undefined, world.mine, op.example!.body?.(world.mine));
      expect(res.status, op.name).toBe(401);
    }
    expect(fake.calls).toHaveLength(0);
  });

  it("answers 403 to each key whose scopes fall short of the operation's", async () => {
    const { acme } = world;
    const scopesOf: Record<string, string[]> = { evaluate: ["evaluate"], calibrate: ["calibrate"], admin: ["admin", "evaluate", "calibrate"] };
    for (const op of keyed()) {
      for (const [name, key] of [
        ["evaluate", acme.evaluate],
        ["calibrate", acme.calibrate],
        ["admin", acme.admin],
      ] as const) {
        if (op.access.scopes.every((s) => scopesOf[name]!.includes(s))) continue;
        const res = await send(op, key, world.mine, op.example!.body?.(world.mine));
        expect(res.status, `${op.name} with a ${name} key`).toBe(403);
        expect(res.json.code).toBe("forbidden");
      }
    }
    expect(fake.calls).toHaveLength(0);
  });

  it("answers 403 when the body names (or would make) an object whose scope the key lacks", async () => {
    const { acme } = world;
    let checked = 0;
    for (const op of keyed()) {
      const fields = { ...op.access.objects, ...op.access.creates };
      for (const [pointer, kind] of Object.entries(fields)) {
        if (pointer === "path") continue;
        const body = op.example!.variants?.[pointer]?.(world.mine) ?? op.example!.body!(world.mine);
        for (const key of [acme.evaluate, acme.calibrate]) {
          const has = key === acme.evaluate ? ["evaluate"] : ["calibrate"];
          if (!op.access.scopes.every((s) => has.includes(s)) || has.includes(OBJECT_SCOPES[kind])) continue;
          if (at(body, pointer) === undefined) continue;
          const res = await send(op, key, world.mine, body);
          expect(res.status, `${op.name} ${pointer} with ${has}`).toBe(403);
          checked++;
        }
      }
    }
    // evaluations and comparisons with a profile; confidence with an evaluation, a checklist or a response.
    expect(checked).toBeGreaterThanOrEqual(5);
    expect(fake.calls).toHaveLength(0);
  });

  it("answers 404 for another tenant's id in the path and in every body field that takes one", async () => {
    const { acme, mine, theirs } = world;
    let checked = 0;
    for (const op of keyed()) {
      const key = op.access.scopes.includes("admin") ? acme.admin : acme.owner;
      for (const pointer of Object.keys(op.access.objects ?? {})) {
        if (pointer === "path") {
          const res = await send(op, key, theirs, op.example!.body?.(mine));
          expect(res.status, `${op.name} with another tenant's id in the path`).toBe(404);
        } else {
          const body = op.example!.variants?.[pointer]?.(mine) ?? op.example!.body!(mine);
          const id = at(body, pointer) as string;
          const res = await send(op, key, mine, withValue(body, pointer, theirsFor(mine, theirs, id)));
          expect(res.status, `${op.name} with another tenant's id at ${pointer}`).toBe(404);
          expect(res.json.code).toBe("not_found");
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(20);
    expect(fake.calls).toHaveLength(0);
  });

  it("books what it costs upstream to the caller's key and to no other", async () => {
    const { t, acme, globex, mine } = world;
    const bystander = await usageOf(t, globex.owner);
    for (const op of keyed()) {
      const caller = await makeKey(
        t,
        { name: `usage of ${op.name}`, scopes: op.access.scopes.includes("admin") ? ["admin"] : ["evaluate", "calibrate"], tenant: "acme" },
        acme.admin.key,
      );
      const before = fake.calls.length;
      const res = await send(op, caller, mine, op.example!.body?.(mine));
      expect(res.status, `${op.name}: ${res.text.slice(0, 200)}`).toBeLessThan(300);
      if (op.name === "POST /v1/batches") await t.services.batches!.idle(res.json.id);
      const booked = await usageOf(t, caller);
      expect(booked.requests, op.name).toBe(op.name === "POST /v1/batches" ? 2 : 1);
      expect(booked.upstream_calls, op.name).toBe(fake.calls.length - before);
      if (op.access.spends_tokens === false) expect(booked.upstream_calls, `${op.name} is declared not to spend`).toBe(0);
    }
    // Only the bystander's own usage reads are booked to it.
    expect(await usageOf(t, globex.owner)).toEqual({ ...bystander, requests: bystander.requests + 1 });
  });

  it("refuses a key whose daily budget is spent on the operations that may spend, and on no other", async () => {
    const { t, acme, mine } = world;
    for (const op of keyed()) {
      const admin = op.access.scopes.includes("admin");
      const key = await makeKey(
        t,
        { name: `spent for ${op.name}`, scopes: admin ? ["admin"] : ["evaluate", "calibrate"], tenant: "acme", daily_token_budget: 1000 },
        acme.admin.key,
      );
      spendEarlier(t, key, 1000);
      const before = fake.calls.length;
      const res = await send(op, key, mine, op.example!.body?.(mine));
      if (op.access.spends_tokens) {
        expect(res.status, op.name).toBe(429);
        expect(res.json.code).toBe("budget_exceeded");
        expect(fake.calls.length).toBe(before);
      } else {
        expect(res.status, `${op.name}: ${res.text.slice(0, 200)}`).not.toBe(429);
      }
    }
  });
});
