// One date rule for every query parameter that takes a date: found in the contract (every GET
// parameter whose schema admits `format: date`), each is given generated dates, and answers 200
// exactly when the date exists on the calendar, else a 422 naming the parameter. Whether a date
// exists is worked out here, from the Gregorian rules, not from the service's own check.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { openApiDocument } from "../../src/routes/system/docs";
import { makeApp } from "../support/harness";

interface DateParam {
  path: string;
  name: string;
  /** Whether it takes a date-time too. */
  dateTime: boolean;
}

const formats = (schema: any): string[] => [schema?.format, ...(schema?.anyOf ?? []).map((s: any) => s.format)].filter(Boolean);

function dateParams(app: Parameters<typeof openApiDocument>[0]): DateParam[] {
  const found: DateParam[] = [];
  for (const [path, item] of Object.entries(openApiDocument(app).paths ?? {})) {
    if (path.includes("{")) continue;
    for (const p of ((item as any).get?.parameters ?? []) as any[]) {
      if (p.in === "query" && formats(p.schema).includes("date")) found.push({ path, name: p.name, dateTime: formats(p.schema).includes("date-time") });
    }
  }
  return found;
}

const leap = (y: number) => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
const exists = (y: number, m: number, d: number) => m >= 1 && m <= 12 && d >= 1 && d <= [31, leap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
const pad = (n: number, width: number) => String(n).padStart(width, "0");

/** Dates near the edges of months and years, and anywhere at all, with their truth. */
const date = fc
  .tuple(
    fc.oneof(fc.integer({ min: 0, max: 9999 }), fc.constantFrom(0, 1900, 2000, 2024, 2025, 2026, 2100)),
    fc.oneof(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 13 })),
    fc.oneof(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 27, max: 32 })),
  )
  .map(([y, m, d]) => ({ text: `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`, exists: exists(y, m, d) }));

describe("dates in query parameters", () => {
  const t = makeApp({}, { background: true });
  // The contract's, and the usage report's days whatever the contract says of them.
  const usageDays = ["from", "to"].map((name): DateParam => ({ path: "/v1/usage", name, dateTime: false }));
  const params = [...usageDays, ...dateParams(t.app).filter((p) => p.path !== "/v1/usage")];

  it("are found on the usage report and every list", () => {
    const names = dateParams(t.app).map((p) => `${p.path}?${p.name}`);
    expect(names).toEqual(expect.arrayContaining(["/v1/usage?from", "/v1/usage?to", "/v1/evaluations?created_after", "/v1/batches?created_before"]));
  });

  it("answer 200 exactly for dates that exist, else a 422 naming the parameter", async () => {
    const cases = fc.tuple(fc.constantFrom(...params), date, fc.boolean());
    const check = async ([param, { text, exists }, asDateTime]: [DateParam, { text: string; exists: boolean }, boolean]) => {
      const value = asDateTime && param.dateTime ? `${text}T12:00:00Z` : text;
      const res = await t.get(`${param.path}?${param.name}=${encodeURIComponent(value)}`);
      if (exists) {
        expect(res.status, `${param.path}?${param.name}=${value}: ${res.text.slice(0, 200)}`).toBe(200);
      } else {
        expect(res.status, `${param.path}?${param.name}=${value}`).toBe(422);
        expect(res.json.code).toBe("validation_failed");
        expect(res.json.errors.map((e: { path: string }) => e.path)).toEqual([`/${param.name}`]);
      }
    };
    for (const param of params) {
      for (const text of ["2026-02-30", "0000-00-00", "2026-99-99", "2100-02-29", "2026-04-31"]) await check([param, { text, exists: false }, false]);
      for (const text of ["2024-02-29", "2000-02-29", "2026-12-31"]) await check([param, { text, exists: true }, false]);
    }
    await fc.assert(fc.asyncProperty(cases, check), { numRuns: 300 });
  });
});
