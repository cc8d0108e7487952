// Stored means stored, and stored objects stay with their tenant: properties over generated cases.
//  - GET /v1/evaluations/{id} answers what the POST that gave the id answered (but for `cached` and
//    `usage`), whatever the request's threshold, and after a restart with another default.
//  - An object made by any tenant is found by that tenant's keys and by no other's, whatever the
//    cache scope.
import fc from "fast-check";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ADMIN_KEY, bearer, useFakeUpstream } from "../support/file-fake";
import { makeApp, upstreamEnv } from "../support/harness";
import { useTempDirs } from "../support/temp-dirs";
import { makeKey } from "../support/tenants";

const fake = useFakeUpstream();
const tempDir = useTempDirs("tickbox-stored-");

const item = fc.record({
  question: fc.string({ minLength: 1, maxLength: 40 }).filter((q) => q.trim().length > 0),
  weight: fc.integer({ min: 1, max: 100 }),
  must_pass: fc.boolean(),
});
const threshold = fc.oneof(fc.constantFrom(0, 1, 0.5, 0.8, 1e-7), fc.double({ min: 0, max: 1, noNaN: true }));
const without = ({ cached: _c, usage: _u, ...rest }: Record<string, unknown>) => rest;
/** A GET of a stored evaluation gives what the POST gave, plus what was graded and when. */
const asPosted = ({ instruction: _i, context: _c, response: _r, created_at: _t, ...rest }: Record<string, unknown>) => without(rest);

describe("GET /v1/evaluations/{id} answers what the POST answered", () => {
  it("for any checklist, verdicts and threshold, before and after a restart with another default", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(item, { minLength: 1, maxLength: 6, selector: (i) => i.question.trim().toLowerCase() }),
        fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
        fc.option(threshold, { nil: undefined }),
        threshold,
        threshold,
        async (items, verdicts, passThreshold, serverDefault, laterDefault) => {
          fake.reset();
          fake.answer = (_id, index) => ({ verdict: verdicts[index] ? "YES" : "NO", p_yes: verdicts[index] ? 0.9 : 0.2 });
          const file = join(tempDir(), "t.db");
          const before = makeApp({ ...upstreamEnv(fake), TICKBOX_DB: file, TICKBOX_PASS_THRESHOLD: String(serverDefault) });
          const body = {
            instruction: "Answer.",
            response: "An answer.",
            checklist: { items },
            ...(passThreshold === undefined ? {} : { pass_threshold: passThreshold }),
          };
          const posted = await before.post("/v1/evaluations", body);
          expect(posted.status).toBe(200);
          expect(posted.json.pass_threshold).toBe(passThreshold ?? serverDefault);
          const got = await before.get(`/v1/evaluations/${posted.json.id}`);
          expect(got.status).toBe(200);
          expect(asPosted(got.json)).toEqual(without(posted.json));
          expect(got.json).toMatchObject({ instruction: body.instruction, response: body.response, context: null });
          before.close();

          const after = makeApp({ ...upstreamEnv(fake), TICKBOX_DB: file, TICKBOX_PASS_THRESHOLD: String(laterDefault) });
          expect(asPosted((await after.get(`/v1/evaluations/${posted.json.id}`)).json)).toEqual(without(posted.json));
          // The same request again is served from the store, under the same id.
          const again = await after.post("/v1/evaluations", { ...body, pass_threshold: passThreshold ?? serverDefault });
          expect(without(again.json)).toEqual(without(posted.json));
          after.close();
        },
      ),
      { numRuns: 40 },
    );
  });

  it("for the gradings a selection names, at the threshold it ranked them with", async () => {
    const t = makeApp({ ...upstreamEnv(fake), TICKBOX_PASS_THRESHOLD: "0.6" });
    fake.answer = (_id, index, call) => ({ verdict: JSON.stringify(call.body).includes("weak") && index > 0 ? "NO" : "YES", p_yes: 0.8 });
    const checklist = { items: [{ question: "Does it answer?" }, { question: "Is it polite?" }, { question: "Is it short?" }] };
    const selection = await t.post("/v1/selections", { instruction: "Answer.", candidates: ["A strong answer.", "A weak answer."], checklist });
    expect(selection.status).toBe(200);
    for (const standing of selection.json.ranking) {
      const got = await t.get(`/v1/evaluations/${standing.evaluation_id}`);
      expect(got.status).toBe(200);
      expect(got.json).toMatchObject({ id: standing.evaluation_id, scores: standing.scores, passed: standing.passed, pass_threshold: 0.6 });
    }
  });

  it("404 for an id whose threshold is not one the service writes", async () => {
    const t = makeApp(upstreamEnv(fake));
    const posted = await t.post("/v1/evaluations", { instruction: "A.", response: "B.", checklist: { items: [{ question: "Q?" }] } });
    const grading = posted.json.id.split("~")[0];
    for (const id of [`${grading}~0.80`, `${grading}~1.5`, `${grading}~x`, `${grading}~`]) expect((await t.get(`/v1/evaluations/${id}`)).status, id).toBe(404);
    // A bare grading id (as earlier versions gave) is answered at the server's threshold.
    expect((await t.get(`/v1/evaluations/${grading}`)).json).toMatchObject({ id: grading, pass_threshold: 0.8 });
  });
});

describe("stored objects stay with their tenant", () => {
  it("whatever any tenant makes, under either cache scope, only its own keys find", async () => {
    const action = fc.record({
      tenant: fc.constantFrom("a", "b", "c"),
      kind: fc.constantFrom("evaluation", "checklist", "calibration"),
      text: fc.constantFrom("x", "y", "z"),
    });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("tenant", "global"), fc.array(action, { minLength: 1, maxLength: 8 }), async (scope, actions) => {
        fake.reset();
        const t = makeApp({ ...upstreamEnv(fake), TICKBOX_ADMIN_KEY: ADMIN_KEY, TICKBOX_CACHE_SCOPE: scope });
        const keys = Object.fromEntries(
          await Promise.all(
            ["a", "b", "c"].map(async (tenant) => [tenant, await makeKey(t, { name: tenant, tenant, scopes: ["evaluate", "calibrate"] })] as const),
          ),
        );
        const made: { tenant: string; path: string }[] = [];
        for (const { tenant, kind, text } of actions) {
          const as = bearer(keys[tenant]!.key);
          if (kind === "evaluation") {
            const res = await t.post(
              "/v1/evaluations",
              { instruction: `Say ${text}.`, response: text, checklist: { items: [{ question: `Is it ${text}?` }] } },
              as,
            );
            made.push({ tenant, path: `/v1/evaluations/${res.json.id}` }, { tenant, path: `/v1/checklists/${res.json.checklist.id}` });
          } else if (kind === "checklist") {
            const res = await t.post("/v1/checklists", { instruction: `Write ${text}.` }, as);
            made.push({ tenant, path: `/v1/checklists/${res.json.id}` });
          } else {
            const examples = Array.from({ length: 10 }, (_, i) => ({ p: i / 10, label: i % 2 }));
            const res = await t.post("/v1/calibrations", { name: text, kind: "pointwise", examples }, as);
            made.push({ tenant, path: `/v1/calibrations/${res.json.id}` });
          }
        }
        for (const { tenant, path } of made) {
          for (const [reader, key] of Object.entries(keys)) {
            const res = await t.send("GET", path, undefined, bearer(key.key));
            expect(res.status, `${reader} reading ${tenant}'s ${path}`).toBe(reader === tenant ? 200 : 404);
          }
        }
        t.close();
      }),
      { numRuns: 20 },
    );
  });
});
