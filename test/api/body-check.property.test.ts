// A JSON body is checked once, by the access chain, rather than by zod-openapi's own validators.
// The answer must be the one zod-openapi's validators gave: generated bodies (valid ones with
// fields set to hostile values, removed or added, whole bodies replaced, bytes that are not UTF-8,
// cut short, every kind of media type, no body at all) are sent to every operation that takes a JSON
// body in two apps: the service's, with each handler replaced by one that echoes the value it was
// given, and a reference that reads the body the same way and then checks it with zod-openapi's
// validators, as the service used to. Each must answer the same problem, or hand the same value to
// its handler.
import { OpenAPIHono } from "@hono/zod-openapi";
import fc from "fast-check";
import { HTTPException } from "hono/http-exception";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import type { App, AppEnv } from "../../src/env";
import { ProblemError } from "../../src/errors";
import { readJsonBody } from "../../src/middleware/body";
import { enforceLimits, problemOf, schemaFindings } from "../../src/middleware/validate";
import * as createCalibration from "../../src/routes/calibrations/create";
import * as createChecklist from "../../src/routes/checklists/create";
import * as createComparison from "../../src/routes/comparisons/create";
import * as createConfidence from "../../src/routes/confidence/create";
import * as createEvaluation from "../../src/routes/evaluations/create";
import * as promptfoo from "../../src/routes/integrations/promptfoo";
import * as createKey from "../../src/routes/keys/create";
import type { Operation } from "../../src/routes/operation";
import * as createRefinement from "../../src/routes/refinements/create";
import * as createSelection from "../../src/routes/selections/create";
import { TEXT_LIMIT, corrupt, corruption, mutate, mutation, writeJson } from "../fuzz/support";
import { makeApp } from "../support/harness";

const ADMIN_KEY = "body-check-admin-key-0123456789";
const items = [{ question: "Is it a greeting?", weight: 60, must_pass: true }, { question: "Is it short?" }];

/** Every operation that takes a JSON body, and a valid body for it. */
const targets = [
  { module: createEvaluation, body: { instruction: "Greet me.", response: "Hello!", checklist: { items } } },
  { module: createChecklist, body: { instruction: "Greet me.", items } },
  { module: createSelection, body: { instruction: "Greet me.", candidates: ["Hello!", "Hi."], checklist: { items } } },
  { module: createComparison, body: { instruction: "Greet me.", a: "Hello!", b: "Hi.", method: "both" } },
  { module: createRefinement, body: { instruction: "Greet me.", response: "Hello!", max_rounds: 1 } },
  { module: createCalibration, body: { name: "x", kind: "pointwise", examples: [{ p: 0.5, label: 1 }] } },
  { module: createConfidence, body: { calibration_id: "cb_1", p: 0.5 } },
  { module: promptfoo, body: { output: { text: "Hello!" }, context: { prompt: "Greet me.", vars: { checklist: items } } } },
  { module: createKey, body: { name: "k", scopes: ["evaluate"], tenant: "t1" } },
] as const;

const echo = (app: App, route: Operation["route"]) => app.openapi(route, ((c: any) => c.json({ received: c.req.valid("json") }, 200)) as never);

const env = { TICKBOX_ADMIN_KEY: ADMIN_KEY, TICKBOX_MAX_TEXT_CHARS: String(TEXT_LIMIT), TICKBOX_MAX_CHECKLIST_ITEMS: "5", TICKBOX_MAX_CANDIDATES: "4" };

/** The service's app, serving the operations with echoing handlers. */
function serviceApp() {
  const { services, close } = makeApp(env);
  const operations = targets.map(({ module }) => ({ route: module.route, access: module.access, register: (app: App) => echo(app, module.route) }));
  return { app: createApp(services, { operations, pages: [] }), close };
}

/** The reference: the same body reader, then zod-openapi's validators with the checks the service's hook made of their result. */
function referenceApp() {
  const { services, close } = makeApp(env);
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) throw problemOf(schemaFindings(result.error));
      if (result.target === "json") enforceLimits(result.data, c.get("services").limits);
    },
  });
  app.use("*", async (c, next) => {
    c.set("services", services);
    await next();
  });
  const read = readJsonBody({ maxBytes: services.limits.maxBodyBytes, timeoutMs: services.limits.bodyTimeoutMs });
  for (const { module } of targets) {
    app.use(module.route.path, read, async (c, next) => {
      // The text read, left where Hono's validator reads a body from.
      const text = c.get("bodyText");
      if (text !== undefined) (c.req.bodyCache as Record<string, unknown>).text = Promise.resolve(text);
      await next();
    });
    echo(app as unknown as App, module.route);
  }
  app.onError((error, c) => {
    const problem =
      error instanceof ProblemError
        ? error
        : error instanceof HTTPException && error.status === 415
          ? new ProblemError("unsupported_media_type", "send the body as application/json")
          : error instanceof HTTPException && error.status === 400
            ? new ProblemError("invalid_json", "the body could not be parsed as JSON", [{ path: "", message: "malformed JSON" }])
            : undefined;
    if (!problem) throw error;
    return c.json({ status: problem.status, code: problem.code, detail: problem.detail, errors: problem.errors ?? null }, problem.status as 400);
  });
  return { app, close };
}

const mediaType = fc.oneof(
  { weight: 6, arbitrary: fc.constant("application/json") },
  fc.constantFrom(
    undefined,
    "",
    "application/json; charset=utf-8",
    "application/json;",
    "application/json ; charset=utf-8",
    "APPLICATION/JSON",
    "application/merge-patch+json",
    "application/x1+json",
    "application/problem+json",
    "application/x-ndjson",
    "text/plain",
  ),
);

const request = fc.record({
  target: fc.integer({ min: 0, max: targets.length - 1 }),
  mutations: fc.array(mutation, { maxLength: 3 }),
  corruption: fc.oneof({ weight: 4, arbitrary: fc.constant({ kind: "none" as const }) }, corruption),
  type: mediaType,
  // No body at all, or an empty one, besides the written one.
  body: fc.constantFrom("written", "written", "written", "written", "none", "empty"),
});

/** What an answer says about the body: the problem (status, code, detail, errors), or the value the handler got. */
async function outcome(res: Response) {
  const json = (await res.json()) as Record<string, unknown>;
  return res.status === 200
    ? { status: 200, received: json.received }
    : { status: res.status, code: json.code, detail: json.detail, errors: json.errors ?? null };
}

describe("the JSON body check", () => {
  it("answers every body as zod-openapi's validators did", async () => {
    const service = serviceApp();
    const reference = referenceApp();
    try {
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          const { module, body } = targets[r.target]!;
          const bytes = r.body === "none" ? undefined : r.body === "empty" ? "" : corrupt(writeJson(mutate(body, r.mutations)), r.corruption);
          const send = (app: { request: (path: string, init: RequestInit) => Response | Promise<Response> }) =>
            app.request(module.route.path, {
              method: "POST",
              headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(r.type === undefined ? {} : { "content-type": r.type }) },
              ...(bytes === undefined ? {} : { body: bytes }),
            });
          expect(await outcome(await send(service.app))).toEqual(await outcome(await send(reference.app)));
        }),
        { numRuns: 600 },
      );
    } finally {
      service.close();
      reference.close();
    }
  }, 120_000);
});
