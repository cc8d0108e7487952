// Generated batch bodies: the same items sent as a JSON array and as JSON Lines must be treated
// alike (the same status, problem and error paths, or the same batch), and raw JSON Lines with
// garbage, blank and CRLF lines must get a sound answer that accounts for every line.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as createBatch from "../../src/routes/batches/create";
import { useFakeUpstream } from "../support/file-fake";
import { makeApp, upstreamEnv } from "../support/harness";
import { TEXT_LIMIT, expectSound, hostileText, hostileValue, storeViolations, successOf, writeJson } from "./support";

const fake = useFakeUpstream();
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tickbox-fuzz-lines-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const success = successOf(createBatch.route);
const ndjson = { "content-type": "application/x-ndjson" };
const json = { "content-type": "application/json" };

const validItem = fc.record(
  {
    instruction: fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 }).filter((s) => s.trim() !== ""),
    response: fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim() !== ""),
    checklist: fc.constant({ items: [{ question: "Is it right?" }] }),
    custom_id: fc.uuid(),
  },
  { requiredKeys: ["instruction", "response", "checklist"] },
);

/** Items as callers send them: mostly valid, some with a hostile field, some not objects at all. */
const item = fc.oneof(
  { weight: 6, arbitrary: validItem },
  fc
    .tuple(validItem, fc.constantFrom("instruction", "response", "custom_id", "checklist", "extra"), fc.oneof(hostileText, hostileValue))
    .map(([valid, key, value]) => ({ ...valid, [key]: value })),
  hostileValue,
);

describe("fuzz: batch bodies", () => {
  it("a JSON array and JSON Lines of the same items get the same answer", async () => {
    const db = join(dir, "agree.db");
    const t = makeApp({ ...upstreamEnv(fake), TICKBOX_DB: db, TICKBOX_MAX_TEXT_CHARS: String(TEXT_LIMIT) }, { background: true });
    await fc.assert(
      fc.asyncProperty(fc.array(item, { minLength: 0, maxLength: 6 }), async (items) => {
        const lines = `${items.map((i) => writeJson(i)).join("\n")}\n`;
        const asArray = await t.send("POST", "/v1/batches", `[${items.map((i) => writeJson(i)).join(",")}]`, json);
        const asLines = await t.send("POST", "/v1/batches", lines, ndjson);
        expectSound(asArray, success);
        expectSound(asLines, success);
        expect(asLines.status).toBe(asArray.status);
        expect(asLines.json.code).toBe(asArray.json.code);
        expect(asLines.json.errors?.map((e: any) => e.path)).toEqual(asArray.json.errors?.map((e: any) => e.path));
        if (asArray.status === 202) {
          expect(asLines.json.id).toBe(asArray.json.id);
          expect(asArray.json.total).toBe(items.length);
        }
      }),
      { numRuns: 200 },
    );
    await t.services.batches?.stop();
    expect(storeViolations(db)).toEqual([]);
    t.close();
  }, 120_000);

  it("raw JSON Lines with garbage, blank and CRLF lines: a sound answer that counts every item", async () => {
    const db = join(dir, "raw.db");
    const t = makeApp({ ...upstreamEnv(fake), TICKBOX_DB: db }, { background: true });
    const line = fc.oneof(
      { weight: 4, arbitrary: validItem.map((i) => JSON.stringify(i)) },
      fc.constantFrom("", "   ", "\t", "{", "}", "[]", "null", "<html>", '{"instruction":', "\u0000", "{}"),
      fc.string({ maxLength: 10 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 8 }), fc.constantFrom("\n", "\r\n"), async (lines, end) => {
        const res = await t.send("POST", "/v1/batches", lines.join(end), ndjson);
        expectSound(res, success);
        if (res.status === 202) expect(res.json.total).toBe(lines.filter((l) => l.trim() !== "").length);
        else expect([400, 422]).toContain(res.status);
      }),
      { numRuns: 200 },
    );
    await t.services.batches?.stop();
    expect(storeViolations(db)).toEqual([]);
    // Nothing staged by a refused body is left behind.
    const file = new Database(db, { readonly: true });
    expect(file.prepare("select count(*) as n from batch_items where batch_id like 'up\\_%' escape '\\'").get()).toEqual({ n: 0 });
    file.close();
    t.close();
  }, 120_000);
});
