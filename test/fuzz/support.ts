// What the fuzz suites share: hostile values and how to write them as bytes, the checks every
// answer must pass, and the invariants of what is stored.
import Database from "better-sqlite3";
import fc from "fast-check";
import { expect } from "vitest";
import { problemCatalog } from "../../src/errors";
import type { Reply } from "../support/client";
import { numbersIn } from "../support/numbers";

/**
 * A value the writer turns into arrays nested this deep: past any recursive walk's stack. A class,
 * so that no generated object (a dictionary with a key "deep", say) is taken for one.
 */
class Deep {
  constructor(readonly depth: number) {}
}
const DEEP_MARK = "\u0000deep:";

export const TEXT_LIMIT = 300;

/** Texts as a hostile client sends them: Unicode, lone surrogates, blank, at and past the limit. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: "grapheme", maxLength: 8 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 6 }),
  fc.constantFrom("", " ", "   \n\t", "\u0000", "\ud800", "\udfff x", "\ud83d\ude00", "\uFFFD", "0x10", "1e308"),
  fc.integer({ min: TEXT_LIMIT - 2, max: TEXT_LIMIT + 2 }).map((n) => "x".repeat(n)),
);

/** Any JSON value a client may put where another is expected, deep nesting included. */
export const hostileValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    hostileText,
    fc.integer({ min: -1e6, max: 1e6 }),
    fc.constantFrom(0, -0, -1, 1.5, 1e308, -1e308, 101, 1e-320, Number.MAX_SAFE_INTEGER + 2),
    fc.boolean(),
    fc.constant(null),
    fc.integer({ min: 60, max: 30_000 }).map((depth) => new Deep(depth)),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(hostileText, tie("value"), { maxKeys: 4 }),
  ),
})).value;

/** A number written as given, such as `1e999`, which JSON.parse reads as Infinity. */
export interface RawNumber {
  raw: string;
}
const RAW_MARK = "\u0000raw:";

const only = (v: unknown, key: string) => v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 1 && key in v;

/**
 * JSON text for a value: `Deep` marks written out as nested arrays (JSON.stringify would
 * overflow), `RawNumber` marks as their text.
 */
export function writeJson(value: unknown): string {
  const text = JSON.stringify(value, (_key, v) =>
    v instanceof Deep ? `${DEEP_MARK}${v.depth}` : only(v, "raw") && typeof (v as RawNumber).raw === "string" ? `${RAW_MARK}${(v as RawNumber).raw}` : v,
  );
  return (text ?? "null")
    .replace(/"\\u0000deep:(\d+)"/g, (_m, n) => "[".repeat(Number(n)) + "]".repeat(Number(n)))
    .replace(/"\\u0000raw:([^"]*)"/g, (_m, raw) => raw);
}

/** One change to a valid body: a field set to a hostile value, removed, or added. */
export const mutation = fc.oneof(
  fc.record({ kind: fc.constant("set" as const), path: fc.array(fc.oneof(fc.nat(3), hostileText), { minLength: 1, maxLength: 3 }), value: hostileValue }),
  fc.record({ kind: fc.constant("drop" as const), path: fc.array(fc.nat(3), { minLength: 1, maxLength: 2 }) }),
  fc.record({ kind: fc.constant("whole" as const), value: hostileValue }),
);
export type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

/** Applies mutations to a copy of a body; numeric path steps pick among the keys present. */
export function mutate(body: unknown, mutations: Mutation[]): unknown {
  let result: any = structuredClone(body);
  for (const m of mutations) {
    if (m.kind === "whole") {
      result = m.value;
      continue;
    }
    let target = result;
    const path = m.path;
    for (let i = 0; i < path.length; i++) {
      if (!target || typeof target !== "object") break;
      const keys = Object.keys(target);
      const step = path[i]!;
      const key = typeof step === "number" ? (keys[step % Math.max(1, keys.length)] ?? String(step)) : step;
      if (i === path.length - 1) {
        if (m.kind === "set") target[key] = m.value;
        else delete target[key];
      } else target = target[key];
    }
  }
  return result;
}

/** Bytes a hostile client may send instead: the text with invalid UTF-8 let in, or cut short. */
export const corruption = fc.oneof(
  fc.constant({ kind: "none" as const }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.nat(),
    bytes: fc.constantFrom([0xff], [0xfe], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0x80]),
  }),
  fc.record({ kind: fc.constant("cut" as const), at: fc.nat() }),
);
export type Corruption = typeof corruption extends fc.Arbitrary<infer C> ? C : never;

export function corrupt(text: string, how: Corruption): Uint8Array | string {
  if (how.kind === "none") return text;
  const bytes = new TextEncoder().encode(text);
  const at = how.at % (bytes.length + 1);
  if (how.kind === "cut") return bytes.subarray(0, at);
  return new Uint8Array([...bytes.subarray(0, at), ...how.bytes, ...bytes.subarray(at)]);
}

/** A route's success: its status and the schema of its JSON body, from its declaration. */
export function successOf(route: { responses: Record<string, any> }): { status: number; schema: any } {
  const [status, response] = Object.entries(route.responses).find(([code]) => code.startsWith("2"))!;
  return { status: Number(status), schema: response.content["application/json"].schema };
}

/**
 * What every answer must be: a success whose body its route's schema accepts, or a problem+json
 * in the catalog with the catalog's status. Never a 500.
 */
export function expectSound(res: Reply, success?: { status: number; schema: { safeParse(v: unknown): { success: boolean; error?: unknown } } }): void {
  if (res.status < 400) {
    expect(success, `unexpected ${res.status}: ${res.text.slice(0, 300)}`).toBeDefined();
    expect(res.status).toBe(success!.status);
    const parsed = success!.schema.safeParse(res.json);
    expect(parsed.success, `${res.text.slice(0, 300)}: ${String(parsed.error)}`).toBe(true);
    expectFinite(res.json);
    return;
  }
  expect(res.status, res.text.slice(0, 500)).not.toBe(500);
  expect(res.headers.get("content-type")).toContain("application/problem+json");
  const code = res.json?.code as keyof typeof problemCatalog;
  expect(problemCatalog[code], res.text.slice(0, 300)).toBeDefined();
  expect(res.status).toBe(problemCatalog[code].status);
}

/** Numbers served are finite; a grading that claims logprobs has a p(YES) for every item. */
export function expectFinite(json: unknown): void {
  for (const [path, n] of numbersIn(json)) expect(Number.isFinite(n), `${path} = ${n}`).toBe(true);
  const evaluation = json as { signal?: string; results?: { p_yes: unknown }[]; scores?: { soft: unknown } };
  if (evaluation?.signal === "logprobs") {
    for (const r of evaluation.results ?? []) expect(typeof r.p_yes).toBe("number");
    expect(typeof evaluation.scores?.soft).toBe("number");
  }
}

/**
 * What the database holds, checked against what it may hold: every number finite, usage
 * non-negative whole numbers, p(YES) and p(FIRST) in [0, 1] where present, a logprobs grading with
 * p(YES) for every item. Returns the violations.
 */
export function storeViolations(file: string): string[] {
  const db = new Database(file, { readonly: true });
  const problems: string[] = [];
  try {
    const tables = db.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '__drizzle%'").all() as {
      name: string;
    }[];
    for (const { name } of tables) {
      for (const row of db.prepare(`select * from "${name}"`).all() as Record<string, unknown>[]) {
        for (const [column, value] of Object.entries(row)) {
          const numbers =
            typeof value === "number" ? [["", value] as [string, number]] : typeof value === "string" && /^[[{]/.test(value) ? numbersIn(value) : [];
          for (const [path, n] of numbers) {
            if (!Number.isFinite(n)) problems.push(`${name}.${column}${path} = ${n}`);
            // Counts (tokens, calls, requests, hits) are whole and never negative.
            if (/tokens|calls|requests|hits|saved/.test(column + path) && !(Number.isSafeInteger(n) && n >= 0)) {
              problems.push(`${name}.${column}${path} = ${n}`);
            }
          }
        }
        if (name === "evaluations") {
          const results = JSON.parse(row.results as string) as { p_yes: number | null }[];
          for (const r of results) if (r.p_yes !== null && !(r.p_yes >= 0 && r.p_yes <= 1)) problems.push(`p_yes ${r.p_yes}`);
          if (row.signal === "logprobs" && results.some((r) => r.p_yes === null)) problems.push(`evaluation ${row.id}: logprobs without p_yes`);
        }
        if (name === "comparisons" && row.p_first !== null && !((row.p_first as number) >= 0 && (row.p_first as number) <= 1)) {
          problems.push(`p_first ${row.p_first}`);
        }
      }
    }
  } finally {
    db.close();
  }
  return problems;
}

/** A lone surrogate: under the `u` flag a whole pair is one code point, never matched. */
const LONE_SURROGATE = /\p{Cs}/u;

/** JSON Pointers of the strings and field names in a value that are not Unicode text. */
export function illFormedIn(value: unknown, path = ""): string[] {
  if (typeof value === "string") return LONE_SURROGATE.test(value) ? [path || "/"] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => illFormedIn(v, `${path}/${i}`));
  if (value && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => [...(LONE_SURROGATE.test(k) ? [`${path}/${k} (name)`] : []), ...illFormedIn(v, `${path}/${k}`)]);
  }
  return [];
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Text the database holds that is not Unicode, read as bytes (a driver would replace what it
 * cannot decode): cells that are not UTF-8 (a surrogate encoded as if it were a character), and
 * JSON cells whose strings or names hold a lone surrogate escaped (`"\ud800"`).
 */
export function illFormedStored(file: string): string[] {
  const db = new Database(file, { readonly: true });
  const problems: string[] = [];
  try {
    const tables = db.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '__drizzle%'").all() as {
      name: string;
    }[];
    for (const { name } of tables) {
      const columns = (db.prepare(`pragma table_info("${name}")`).all() as { name: string }[]).map((c) => c.name);
      for (const column of columns) {
        const cells = db.prepare(`select cast("${column}" as blob) as bytes from "${name}" where typeof("${column}") = 'text'`).all() as { bytes: Buffer }[];
        for (const { bytes } of cells) {
          let text: string;
          try {
            text = strictUtf8.decode(bytes);
          } catch {
            problems.push(`${name}.${column}: not UTF-8: ${bytes.toString("hex").slice(0, 80)}`);
            continue;
          }
          if (LONE_SURROGATE.test(text)) problems.push(`${name}.${column}: a lone surrogate`);
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            continue;
          }
          for (const at of illFormedIn(json)) problems.push(`${name}.${column}${at}`);
        }
      }
    }
  } finally {
    db.close();
  }
  return problems;
}
