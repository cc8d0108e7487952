// Upstream text that is not Unicode: lone surrogates in rationales, generated questions, revisions,
// refusals, error messages and field names, spelt as a JSON escape inside the message content
// (`"\ud800"` in the model's JSON) or in the completion itself (so that the content holds the lone
// surrogate). Whatever the upstream writes, nothing served and nothing stored holds a lone
// surrogate; each one reads as U+FFFD and every other character, emoji included, arrives intact.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as createChecklist from "../../src/routes/checklists/create";
import * as createComparison from "../../src/routes/comparisons/create";
import * as createEvaluation from "../../src/routes/evaluations/create";
import * as createRefinement from "../../src/routes/refinements/create";
import type { Fault, FakeUpstream } from "../support/fake-upstream";
import { useFakeUpstream } from "../support/file-fake";
import { makeApp, upstreamEnv } from "../support/harness";
import type { Reply } from "../support/client";
import { expectSound, illFormedIn, illFormedStored, successOf } from "./support";

const fake = useFakeUpstream();
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tickbox-fuzz-upstream-text-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LONE = ["\ud800", "\udbff", "\udc00", "\udfff", "\ud83d", "\ude00"];

/** Text with lone surrogates among ordinary characters, emoji (whole pairs) and half pairs. */
const upstreamText = fc
  .array(
    fc.oneof(
      fc.constantFrom(...LONE),
      fc.constantFrom("\ud83d\ude00", "é", "a", " ", "\\", '"', "\u0000"),
      fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 4 }),
      fc.string({ unit: "grapheme", maxLength: 4 }),
    ),
    { minLength: 1, maxLength: 8 },
  )
  .map((parts) => `${parts.join("")}${LONE[parts.length % LONE.length]}`);

/**
 * The text as it must arrive: each lone surrogate replaced by U+FFFD, everything else as it was.
 * Iterating a string yields whole pairs as one element and a lone surrogate as one unit.
 */
const expected = (text: string) => [...text].map((ch) => (ch.length === 1 && ch >= "\ud800" && ch <= "\udfff" ? "\ufffd" : ch)).join("");

/**
 * A JSON text whose strings hold `text` as it is, lone surrogates unescaped (JSON.stringify would
 * escape them): put in a message content, it reaches the service escaped once, in the completion.
 */
const rawJson = (value: unknown) =>
  JSON.stringify(value).replace(
    /(?<!\\)((?:\\\\)*)\\u(d[89a-f][0-9a-f]{2})/g,
    (_m, slashes: string, hex: string) => slashes + String.fromCharCode(Number.parseInt(hex, 16)),
  );

const ITEMS = { items: [{ question: "Is it a greeting?" }, { question: "Is it polite?" }] };

interface Case {
  /** Scripts the fake; returns the request to send. */
  setUp(fake: FakeUpstream, text: string, n: number): { path: string; body: unknown };
  /** What a success must carry, from the text the upstream wrote. */
  check?(res: Reply, text: string): void;
}

const cases: Record<string, Case> = {
  // The model's JSON escapes the surrogate: the content is well-formed, the parsed rationale is not.
  "grading rationale, escaped in the content": {
    setUp: (f, text, n) => {
      f.answer = () => ({ verdict: "YES", p_yes: 0.9, rationale: text });
      return { path: "/v1/evaluations", body: { instruction: `Greet me #${n}.`, response: "Hello!", checklist: ITEMS } };
    },
    check: (res, text) => {
      expect(res.json.results.map((r: { rationale: string }) => r.rationale)).toEqual([expected(text), expected(text)]);
    },
  },
  // The completion escapes it: the content itself holds the lone surrogate.
  "grading rationale, lone in the content": {
    setUp: (f, text, n) => {
      const verdict = { rationale: text, verdict: "NO" };
      f.enqueue({ kind: "content", content: rawJson({ q1: verdict, q2: verdict }) });
      return { path: "/v1/evaluations", body: { instruction: `Greet me #${n}.`, response: "Hello!", checklist: ITEMS } };
    },
    check: (res, text) => {
      expect(res.json.results.map((r: { rationale: string }) => r.rationale)).toEqual([expected(text), expected(text)]);
    },
  },
  "comparison rationale": {
    setUp: (f, text, n) => {
      f.compare = () => ({ better: "FIRST", p_first: 0.8, rationale: text });
      return { path: "/v1/comparisons", body: { instruction: `Greet me #${n}.`, a: "Hello!", b: "Go away.", method: "direct" } };
    },
    check: (res, text) => {
      expect(res.json.orders.map((o: { rationale: string }) => o.rationale)).toEqual([expected(text), expected(text)]);
    },
  },
  "generated question": {
    setUp: (f, text, n) => {
      f.checklist = [
        { question: `Q ${text}?`, weight: 100, must_pass: true },
        { question: "Is it polite?", weight: 50, must_pass: false },
      ];
      return { path: "/v1/checklists", body: { instruction: `Greet me #${n}.` } };
    },
    check: (res, text) => {
      expect(res.json.items[0].question).toBe(`Q ${expected(text)}?`);
    },
  },
  "analysis and question, lone in the content": {
    setUp: (f, text, n) => {
      const items = [
        { question: `Q ${text}?`, weight: 100, must_pass: true },
        { question: "Is it polite?", weight: 50, must_pass: false },
      ];
      f.enqueue({ kind: "content", content: rawJson({ analysis: text, items }) });
      return { path: "/v1/checklists", body: { instruction: `Greet me #${n}.` } };
    },
    check: (res, text) => {
      expect(res.json.items[0].question).toBe(`Q ${expected(text)}?`);
    },
  },
  revision: {
    setUp: (f, text, n) => {
      f.answer = () => ({ verdict: "NO", p_yes: 0.2 });
      f.text = `Revised ${text}.`;
      return { path: "/v1/refinements", body: { instruction: `Greet me #${n}.`, response: "Hello!", checklist: ITEMS, max_rounds: 1 } };
    },
    check: (res, text) => {
      expect(res.json.rounds[1].response).toBe(`Revised ${expected(text)}.`);
    },
  },
  refusal: {
    setUp: (f, text, n) => {
      f.enqueue({
        kind: "mutate",
        mutate: (c) => {
          c.choices[0].message = { role: "assistant", content: null, refusal: text.repeat(60) };
          return c;
        },
      });
      return { path: "/v1/evaluations", body: { instruction: `Greet me #${n}.`, response: "Hello!", checklist: ITEMS } };
    },
  },
  "error message": {
    setUp: (f, text, n) => {
      f.enqueue({ kind: "status", status: 422, body: { error: { message: text.repeat(60), type: "invalid_request_error" } } });
      return { path: "/v1/evaluations", body: { instruction: `Greet me #${n}.`, response: "Hello!", checklist: ITEMS } };
    },
  },
  "field name": {
    setUp: (f, text, n) => {
      const verdict = { rationale: "ok", verdict: "YES" };
      const answer: Fault = { kind: "content", content: rawJson({ q1: verdict, q2: verdict, [text]: verdict }) };
      f.enqueue(answer, answer);
      return { path: "/v1/evaluations", body: { instruction: `Greet me #${n}.`, response: "Hello!", checklist: ITEMS } };
    },
  },
};

const routes: Record<string, { responses: Record<string, any> }> = {
  "/v1/evaluations": createEvaluation.route,
  "/v1/comparisons": createComparison.route,
  "/v1/checklists": createChecklist.route,
  "/v1/refinements": createRefinement.route,
};

/** The object a success stored, as the API serves it again. */
function storedAt(path: string, json: any): string | null {
  if (path === "/v1/evaluations" && json?.id) return `/v1/evaluations/${json.id}`;
  if (path === "/v1/checklists" && json?.id) return `/v1/checklists/${json.id}`;
  return null;
}

describe("fuzz: upstream text that is not Unicode", () => {
  it("is served and stored as well-formed Unicode, lone surrogates as U+FFFD and all else intact", async () => {
    const db = join(dir, "text.db");
    const t = makeApp({ ...upstreamEnv(fake), TICKBOX_DB: db, TICKBOX_BREAKER_FAILURES: "1000" });
    const names = Object.keys(cases);
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...names), upstreamText, async (name, text) => {
        fake.reset();
        const { setUp, check } = cases[name]!;
        const { path, body } = setUp(fake, text, n++);
        const res = await t.post(path, body);
        expectSound(res, successOf(routes[path]!));
        expect(illFormedIn(res.json), `${name}: ${res.text.slice(0, 300)}`).toEqual([]);
        if (res.status < 400) check?.(res, text);
        const again = storedAt(path, res.json);
        if (again) {
          const stored = await t.get(again);
          expect(stored.status).toBe(200);
          expect(illFormedIn(stored.json)).toEqual([]);
        }
      }),
      { numRuns: 200 },
    );
    // Each case at least once, whatever the generator drew.
    for (const name of names) {
      fake.reset();
      const { setUp, check } = cases[name]!;
      const text = "x\ud800y\ud83d\ude00";
      const { path, body } = setUp(fake, text, n++);
      const res = await t.post(path, body);
      expect(illFormedIn(res.json), name).toEqual([]);
      if (check) {
        expect(res.status, res.text.slice(0, 300)).toBeLessThan(400);
        check(res, text);
      }
    }
    t.close();
    expect(illFormedStored(db)).toEqual([]);
  }, 180_000);
});
