// Whole-value limits (src/middleware/limits.ts) against a plain recursive statement of the same
// rules: for generated values — strings around the length limit, with lone surrogates and pairs,
// field names with lone surrogates, `items` and `candidates` lists around their limits, nesting
// around the depth limit — the same findings (kind and JSON Pointer), and none exactly when the
// statement finds none (the common case takes a shortcut that must agree with the full walk).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { pointer } from "../../src/errors";
import { type RequestLimits, limitFindings } from "../../src/middleware/limits";

const limits: RequestLimits = { requestDeadlineMs: 1000, maxTextChars: 6, maxCandidates: 3, maxChecklistItems: 4 };
const DEPTH = 64;
const lone = /\p{Cs}/u;

/** The rules, written out: every finding as "kind pointer". */
function stated(value: unknown, path: (string | number)[] = [], key: string | number | null = null, out: string[] = []): string[] {
  const depth = path.length;
  if (typeof value === "string") {
    if (lone.test(value)) out.push(`invalid ${pointer(path)}`);
    if ([...value].length > limits.maxTextChars) out.push(`limit ${pointer(path)}`);
    return out;
  }
  if (value === null || typeof value !== "object") return out;
  if (depth >= DEPTH) {
    out.push(`invalid ${pointer(path)}`);
    return out;
  }
  if (Array.isArray(value)) {
    if (key === "candidates" && value.length > limits.maxCandidates) out.push(`limit ${pointer(path)}`);
    if (key === "items" && value.length > limits.maxChecklistItems) out.push(`limit ${pointer(path)}`);
    for (const [i, v] of value.entries()) stated(v, [...path, i], i, out);
    return out;
  }
  for (const [k, v] of Object.entries(value)) {
    if (lone.test(k)) out.push(`invalid ${pointer([...path, k])}`);
    stated(v, [...path, k], k, out);
  }
  return out;
}

const text = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.constantFrom("", "ok", "123456", "1234567", "😀😀😀😀😀😀", "😀😀😀😀😀😀😀", "a\ud800", "\udc00", "\ud83d\ude00", "\ude00\ud83d"),
);
const key = fc.constantFrom("items", "candidates", "a", "b", "x\ud800", "");
const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    text,
    fc.oneof(fc.integer(), fc.boolean(), fc.constant(null)),
    fc.array(tie("value"), { maxLength: 6 }),
    fc.dictionary(key, tie("value"), { maxKeys: 4 }),
  ),
}));
/** A value inside this many levels of arrays and objects: near the depth limit. */
const nested = fc.tuple(value, fc.integer({ min: DEPTH - 3, max: DEPTH + 2 }), fc.boolean()).map(([inner, levels, arrays]) => {
  let v: unknown = inner;
  for (let i = 0; i < levels; i++) v = arrays && i % 2 === 0 ? [v] : { a: v };
  return v;
});

describe("whole-value limits", () => {
  it("find what the rules say, and nothing exactly when they find nothing", () => {
    fc.assert(
      fc.property(fc.oneof(value, nested), (v) => {
        const found = limitFindings(v, limits).map((f) => `${f.kind} ${f.path}`);
        expect([...found].sort()).toEqual(stated(v).sort());
      }),
      { numRuns: 3000 },
    );
  });
});
