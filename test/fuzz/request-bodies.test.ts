// Generated hostile request bodies against every route that takes one: valid bodies with fields
// set to hostile values, removed or added, whole bodies replaced, bytes that are not UTF-8, bodies
// cut short, wrong media types. Each answer is a success its route's schema accepts or a problem
// from the catalog (never a 500); afterwards the service still serves, and nothing non-finite or
// negative has been stored.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as createBatch from "../../src/routes/batches/create";
import * as createCalibration from "../../src/routes/calibrations/create";
import * as createChecklist from "../../src/routes/checklists/create";
import * as createComparison from "../../src/routes/comparisons/create";
import * as createConfidence from "../../src/routes/confidence/create";
import * as createEvaluation from "../../src/routes/evaluations/create";
import * as promptfoo from "../../src/routes/integrations/promptfoo";
import * as createRefinement from "../../src/routes/refinements/create";
import * as createSelection from "../../src/routes/selections/create";
import { startServer } from "../../src/server";
import { jsonLines } from "../support/batches";
import { type Client, clientAt } from "../support/client";
import { useFakeUpstream } from "../support/file-fake";
import { makeApp, upstreamEnv } from "../support/harness";
import { TEXT_LIMIT, corrupt, corruption, expectSound, mutate, mutation, storeViolations, successOf, writeJson } from "./support";

const fake = useFakeUpstream();
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tickbox-fuzz-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const items = [{ question: "Is it a greeting?", weight: 60, must_pass: true }, { question: "Is it short?" }];
const examples = Array.from({ length: 6 }, (_, i) => ({ p: i / 6, label: i % 2 }));

/** Every route that takes a body, a valid body for it, and its success. */
const routes = [
  { path: "/v1/evaluations", body: { instruction: "Greet me.", response: "Hello!", checklist: { items } }, route: createEvaluation.route },
  { path: "/v1/checklists", body: { instruction: "Greet me.", items }, route: createChecklist.route },
  { path: "/v1/selections", body: { instruction: "Greet me.", candidates: ["Hello!", "Hi."], checklist: { items } }, route: createSelection.route },
  { path: "/v1/comparisons", body: { instruction: "Greet me.", a: "Hello!", b: "Hi.", method: "both" }, route: createComparison.route },
  { path: "/v1/refinements", body: { instruction: "Greet me.", response: "Hello!", max_rounds: 1 }, route: createRefinement.route },
  { path: "/v1/calibrations", body: { name: "fuzz", kind: "pointwise", examples }, route: createCalibration.route },
  { path: "/v1/confidence", body: { calibration_id: "cb_missing", p: 0.5 }, route: createConfidence.route },
  { path: "/v1/batches", body: [{ instruction: "Greet me.", response: "Hello!", checklist: { items }, custom_id: "a" }], route: createBatch.route },
  {
    path: "/v1/integrations/promptfoo",
    body: { output: { text: "Hello!" }, context: { prompt: "Greet me.", vars: { checklist: items } } },
    route: promptfoo.route,
  },
] as const;

const mediaType = fc.oneof(
  { weight: 8, arbitrary: fc.constant("application/json") },
  fc.constantFrom("application/x-ndjson", "application/jsonl", "text/plain", "application/json; charset=utf-8", "application/problem+json", ""),
);

const request = fc.record({
  target: fc.integer({ min: 0, max: routes.length - 1 }),
  mutations: fc.array(mutation, { maxLength: 3 }),
  corruption: fc.oneof({ weight: 4, arbitrary: fc.constant({ kind: "none" as const }) }, corruption),
  type: mediaType,
});

const env = (db: string) => ({ ...upstreamEnv(fake), TICKBOX_DB: db, TICKBOX_MAX_TEXT_CHARS: String(TEXT_LIMIT), TICKBOX_MAX_CHECKLIST_ITEMS: "5" });

/** Sends one generated request and checks the answer; returns it. */
async function sendOne(t: Client, r: typeof request extends fc.Arbitrary<infer R> ? R : never) {
  const { path, body, route } = routes[r.target]!;
  const value = mutate(body, r.mutations);
  const text = r.type.includes("ndjson") || r.type.includes("jsonl") ? (Array.isArray(value) ? jsonLines(value) : writeJson(value)) : writeJson(value);
  const res = await t.send("POST", path, corrupt(text, r.corruption), r.type ? { "content-type": r.type } : {});
  expectSound(res, successOf(route));
  // Bytes that are not UTF-8 are never read as text: a 400, unless the media type was refused first.
  if (r.corruption.kind === "insert" && res.status !== 415) expect(res.json.code, res.text).toBe("invalid_json");
  return res;
}

async function afterwards(t: Client, db: string) {
  expect((await t.get("/healthz")).status).toBe(200);
  const good = await t.post("/v1/evaluations", routes[0].body);
  expect(good.status).toBe(200);
  expect(storeViolations(db)).toEqual([]);
}

describe("fuzz: request bodies", () => {
  it("in-process: every answer is a valid success or a problem from the catalog, never a 500", async () => {
    const db = join(dir, "in-process.db");
    const t = makeApp(env(db), { background: true });
    await fc.assert(
      fc.asyncProperty(request, async (r) => void (await sendOne(t, r))),
      { numRuns: 400 },
    );
    await afterwards(t, db);
    await t.services.batches?.stop();
    t.close();
  }, 120_000);

  it("over HTTP to the Node server: the same, through Node's request stream", async () => {
    const db = join(dir, "server.db");
    const server = await startServer({ ...env(db), PORT: "0" });
    const t = clientAt(server.url);
    try {
      await fc.assert(
        fc.asyncProperty(request, async (r) => void (await sendOne(t, r))),
        { numRuns: 150 },
      );
      await afterwards(t, db);
    } finally {
      await server.stop(1000);
    }
  }, 120_000);
});
