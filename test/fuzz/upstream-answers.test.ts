// Generated corrupt upstream answers, as a corrupting proxy in front of a healthy upstream would
// send them: garbage bytes, HTML, truncated JSON, answers past the size cap, real completions with
// fields removed, added, retyped, made negative or non-finite (1e999 reads as Infinity), logprobs
// without alternatives, error statuses with odd bodies. Every request must end in a success its
// schema accepts or a 502/503/504 problem, never a 500; nothing non-finite or negative is served
// or stored; and once the upstream answers properly again, the service does too.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeFetch } from "../../src/llm/node-fetch";
import * as createComparison from "../../src/routes/comparisons/create";
import * as createEvaluation from "../../src/routes/evaluations/create";
import * as createRefinement from "../../src/routes/refinements/create";
import type { Fault } from "../support/fake-upstream";
import { useFakeUpstream } from "../support/file-fake";
import { makeApp, upstreamEnv } from "../support/harness";
import { numbersIn } from "../support/numbers";
import { type Mutation, expectSound, hostileValue, mutate, storeViolations, successOf, writeJson } from "./support";

const fake = useFakeUpstream();
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tickbox-fuzz-upstream-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CAP = 64 * 1024;

/** Values an upstream may put where a number, a string or a list belongs. */
const badValue = fc.oneof(
  hostileValue,
  fc.constantFrom({ raw: "1e999" }, { raw: "-1e999" }, { raw: "1e308" }, { raw: "-0" }, "NaN", "Infinity", "-1", "00100", -1_000_000, 1000, 0.5, -0.0001, 1e-7),
);

/** A change to a real completion, at a path picked among the keys present (see `mutate`). */
const change: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("set" as const), path: fc.array(fc.nat(9), { minLength: 1, maxLength: 6 }), value: badValue }),
  fc.record({ kind: fc.constant("drop" as const), path: fc.array(fc.nat(9), { minLength: 1, maxLength: 6 }) }),
  fc.record({ kind: fc.constant("set" as const), path: fc.constant<(string | number)[]>(["usage", "prompt_tokens"]), value: badValue }),
  fc.record({
    kind: fc.constant("set" as const),
    path: fc.constant<(string | number)[]>(["choices", "0", "logprobs", "content", "3", "logprob"]),
    value: badValue,
  }),
);

const stripAlternatives = (completion: any) => {
  for (const token of completion.choices?.[0]?.logprobs?.content ?? []) delete token.top_logprobs;
  return completion;
};

/** One answer as the proxy passes it on. */
const answer: fc.Arbitrary<Fault> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Fault>({ kind: "mutate", mutate: (c) => c }) },
  {
    weight: 6,
    arbitrary: fc.array(change, { minLength: 1, maxLength: 4 }).map<Fault>((changes) => ({ kind: "mutate", mutate: (c) => writeJson(mutate(c, changes)) })),
  },
  fc.constant<Fault>({ kind: "mutate", mutate: stripAlternatives }),
  fc.nat(2000).map<Fault>((cut) => ({ kind: "mutate", mutate: (c) => JSON.stringify(c).slice(0, cut) })),
  fc.uint8Array({ maxLength: 64 }).map<Fault>((body) => ({ kind: "raw", body })),
  fc.constantFrom<Fault>(
    { kind: "raw", contentType: "text/html", body: "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>" },
    { kind: "raw", body: "" },
    { kind: "raw", body: "null" },
    { kind: "raw", body: '{"choices":[{"message":{"content":"{}"}}],"usage":{"prompt_tokens":"12","completion_tokens":3}}' },
    { kind: "status", status: 500, body: "<html>oops</html>" },
    { kind: "status", status: 503, body: { error: { message: 7 } } },
    { kind: "status", status: 429, retryAfter: "0" },
    { kind: "status", status: 400, body: "not json" },
    { kind: "status", status: 404 },
  ),
  fc.integer({ min: CAP + 1, max: 4 * CAP }).chain((bytes) => fc.boolean().map<Fault>((declared) => ({ kind: "huge", bytes, declared }))),
);

const routes = [
  { path: "/v1/evaluations", body: { instruction: "Greet me.", response: "Hello!" }, route: createEvaluation.route },
  {
    path: "/v1/evaluations",
    body: { instruction: "Greet me.", response: "Hi!", checklist: { items: [{ question: "Is it a greeting?" }, { question: "Polite?" }] } },
    route: createEvaluation.route,
  },
  { path: "/v1/comparisons", body: { instruction: "Greet me.", a: "Hello!", b: "Go away.", method: "direct" }, route: createComparison.route },
  { path: "/v1/refinements", body: { instruction: "Greet me.", response: "Hello!", max_rounds: 1 }, route: createRefinement.route },
] as const;

const scenario = fc.record({
  target: fc.nat(routes.length - 1),
  answers: fc.array(answer, { minLength: 1, maxLength: 4 }),
  variant: fc.nat(1_000_000),
});

describe.each([
  ["fetch", undefined],
  ["undici", nodeFetch],
] as const)("fuzz: upstream answers over %s", (name, transport) => {
  it("every request ends in a valid success or a 502/503/504 problem; nothing non-finite is served or stored", async () => {
    const db = join(dir, `${name}.db`);
    const t = makeApp(
      { ...upstreamEnv(fake), TICKBOX_DB: db, TICKBOX_MAX_ANSWER_BYTES: String(CAP), TICKBOX_UPSTREAM_TIMEOUT_MS: "2000", TICKBOX_BREAKER_FAILURES: "1000" },
      transport ? { fetch: transport } : {},
    );
    await fc.assert(
      fc.asyncProperty(scenario, async ({ target, answers, variant }) => {
        fake.reset();
        fake.enqueue(...answers);
        const { path, body, route } = routes[target]!;
        // A response seen for the first time, so that the upstream is asked rather than the cache.
        const res = await t.post(path, { ...body, instruction: `${body.instruction} #${variant}` });
        expectSound(res, successOf(route));
        if (res.status >= 400) expect([400, 404, 422, 502, 503, 504]).toContain(res.status);
      }),
      { numRuns: 250 },
    );
    fake.reset();
    expect((await t.post(routes[1].path, routes[1].body)).status).toBe(200);
    await t.services.usage.recorder.flush();
    const usage = await t.get("/v1/usage");
    for (const [path, n] of numbersIn(usage.json)) if (!path.endsWith("cost_usd")) expect(Number.isSafeInteger(n) && n >= 0, `${path} = ${n}`).toBe(true);
    expect(storeViolations(db)).toEqual([]);
    t.close();
  }, 180_000);

  it("answers that arrive, however corrupt, never open the circuit", async () => {
    const t = makeApp({ ...upstreamEnv(fake), TICKBOX_MAX_ANSWER_BYTES: String(CAP), TICKBOX_BREAKER_FAILURES: "1" }, transport ? { fetch: transport } : {});
    const arrived = answer.filter((f) => f.kind !== "status");
    await fc.assert(
      fc.asyncProperty(fc.array(arrived, { minLength: 1, maxLength: 3 }), fc.nat(1_000_000), async (answers, variant) => {
        fake.reset();
        fake.enqueue(...answers);
        const res = await t.post("/v1/evaluations", { ...routes[1].body, response: `Hi #${variant}` });
        expect(res.status, res.text).not.toBe(503);
        fake.reset();
        expect((await t.post("/v1/evaluations", { ...routes[1].body, response: `Hello #${variant}` })).status).toBe(200);
      }),
      { numRuns: 100 },
    );
    t.close();
  }, 180_000);
});
