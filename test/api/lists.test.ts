import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { parseConfig } from "../../src/config";
import { buildServices } from "../../src/services";
import { batches } from "../../src/store/schema-batches";
import { calibrations } from "../../src/store/schema-calibration";
import { checklists, evaluations } from "../../src/store/schema";
import { openSqlite } from "../../src/store/sqlite";
import { createSqlStores } from "../../src/store/sql-stores";
import { clientOver } from "../support/client";

// Lists are checked against a reference written here: rows are put straight into the database
// (creation times drawn with many ties, two tenants), then a client walks every page by its
// cursor. Whatever the rows, page sizes and filters: every matching row of the caller's tenant
// comes back exactly once, newest first, and nothing else does.

const PASS_THRESHOLD = 0.8;

function world(background = false) {
  const config = parseConfig({ TICKBOX_DB: ":memory:", TICKBOX_PASS_THRESHOLD: String(PASS_THRESHOLD) });
  const database = openSqlite(config.TICKBOX_DB);
  const services = buildServices(config, createSqlStores(database), { background });
  const app = createApp(services);
  return { db: database.db, close: database.close, ...clientOver((request) => app.request(request)) };
}

/** Follows next_cursor from the first page to the last; the rows in the order served. */
async function walk(get: (path: string) => Promise<{ status: number; json: any }>, path: string, field: string, limit: number) {
  const seen: any[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 500; pages++) {
    const sep = path.includes("?") ? "&" : "?";
    const res = await get(`${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    expect(res.status).toBe(200);
    expect(res.json[field].length).toBeLessThanOrEqual(limit);
    seen.push(...res.json[field]);
    cursor = res.json.next_cursor;
    if (cursor === null) return seen;
  }
  throw new Error("the cursor never ended");
}

const newestFirst = (a: { createdAt: number; id: string }, b: { createdAt: number; id: string }) =>
  b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

// Three checklists of different shapes; a row's verdicts decide whether it passed.
const CHECKLISTS = [
  [{ id: "q1", question: "A?", weight: 50, must_pass: false }],
  [
    { id: "q1", question: "A?", weight: 100, must_pass: true },
    { id: "q2", question: "B?", weight: 25, must_pass: false },
  ],
  [
    { id: "q1", question: "A?", weight: 10, must_pass: false },
    { id: "q2", question: "B?", weight: 30, must_pass: false },
    { id: "q3", question: "C?", weight: 60, must_pass: false },
  ],
];

/** Passed, worked out here: every must-pass item YES and Σw·[YES]/Σw ≥ the threshold. */
function passedByHand(checklist: number, yes: boolean[]): boolean {
  const items = CHECKLISTS[checklist]!;
  const total = items.reduce((s, it) => s + it.weight, 0);
  const got = items.reduce((s, it, k) => s + (yes[k] ? it.weight : 0), 0);
  return items.every((it, k) => !it.must_pass || yes[k]) && got / total >= PASS_THRESHOLD;
}

const evaluationRow = fc.record({
  tenant: fc.constantFrom("default", "default", "other"),
  createdAt: fc.integer({ min: 1_700_000_000, max: 1_700_000_006 }),
  checklist: fc.integer({ min: 0, max: 2 }),
  model: fc.constantFrom("small", "large"),
  yes: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
});

describe("GET /v1/evaluations walks every page", () => {
  it("returns each of the tenant's matching evaluations once, newest first, for any rows, page size and filters", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(evaluationRow, { maxLength: 45 }),
        fc.integer({ min: 1, max: 7 }),
        fc.record({
          passed: fc.constantFrom(undefined, "true", "false"),
          model: fc.constantFrom(undefined, "small"),
          checklist: fc.constantFrom(undefined, 1),
          after: fc.constantFrom(undefined, 1_700_000_002),
        }),
        async (rows, limit, filter) => {
          const t = world();
          try {
            for (const tenant of ["default", "other"]) {
              for (const [k, items] of CHECKLISTS.entries()) {
                await t.db.insert(checklists).values({
                  id: `cl_${tenant}_${k}`,
                  tenant,
                  fingerprint: `f${k}`,
                  contentHash: `h${k}`,
                  instruction: `checklist ${k}`,
                  items,
                  source: "provided",
                  usage: { upstream_calls: 0, prompt_tokens: 0, completion_tokens: 0 },
                });
              }
            }
            const stored = rows.map((r, i) => ({ ...r, id: `ev_${String(i).padStart(3, "0")}` }));
            for (const r of stored) {
              await t.db.insert(evaluations).values({
                id: r.id,
                tenant: r.tenant,
                fingerprint: r.id,
                checklistId: `cl_${r.tenant}_${r.checklist}`,
                instruction: `instruction ${r.id}`,
                response: `response ${r.id}`,
                results: CHECKLISTS[r.checklist]!.map((it, k) => ({ item_id: it.id, verdict: r.yes[k] ? "YES" : "NO", rationale: "", p_yes: null })),
                signal: "none",
                model: r.model,
                promptVersion: "v",
                usage: { upstream_calls: 0, prompt_tokens: 0, completion_tokens: 0 },
                createdAt: r.createdAt,
              });
            }
            const query = new URLSearchParams();
            if (filter.passed) query.set("passed", filter.passed);
            if (filter.model) query.set("model", filter.model);
            if (filter.checklist !== undefined) query.set("checklist_id", `cl_default_${filter.checklist}`);
            if (filter.after) query.set("created_after", new Date(filter.after * 1000).toISOString());
            const served = await walk(t.get, `/v1/evaluations?${query}`, "evaluations", limit);
            const expected = stored
              .filter((r) => r.tenant === "default")
              .filter((r) => filter.model === undefined || r.model === filter.model)
              .filter((r) => filter.checklist === undefined || r.checklist === filter.checklist)
              .filter((r) => filter.after === undefined || r.createdAt >= filter.after)
              .filter((r) => filter.passed === undefined || passedByHand(r.checklist, r.yes) === (filter.passed === "true"))
              .sort(newestFirst);
            // Each grading named as a POST at the server's threshold names it: `<grading>~0.8`.
            expect(served.map((e) => e.id)).toEqual(expected.map((r) => `${r.id}~${PASS_THRESHOLD}`));
            for (const e of served) {
              const r = stored.find((s) => `${s.id}~${PASS_THRESHOLD}` === e.id)!;
              expect(e.passed).toBe(passedByHand(r.checklist, r.yes));
              expect(e.created_at).toBe(new Date(r.createdAt * 1000).toISOString());
            }
          } finally {
            t.close();
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("GET /v1/batches walks every page", () => {
  it("returns each of the tenant's batches in a state once, newest first", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            tenant: fc.constantFrom("default", "other"),
            createdAt: fc.integer({ min: 1_700_000_000_000, max: 1_700_000_000_003 }),
            status: fc.constantFrom("running", "cancelled", "completed"),
          }),
          { maxLength: 25 },
        ),
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom(undefined, "completed", "running"),
        async (rows, limit, status) => {
          const t = world(true);
          try {
            const stored = rows.map((r, i) => ({ ...r, id: `ba_${String(i).padStart(3, "0")}` }));
            for (const r of stored) {
              await t.db
                .insert(batches)
                .values({ id: r.id, tenant: r.tenant, status: r.status as "running", total: 0, concurrency: 1, createdAt: r.createdAt });
            }
            const served = await walk(t.get, `/v1/batches${status ? `?status=${status}` : ""}`, "batches", limit);
            const expected = stored.filter((r) => r.tenant === "default" && (!status || r.status === status)).sort(newestFirst);
            expect(served.map((b) => b.id)).toEqual(expected.map((r) => r.id));
            expect(served.map((b) => b.status)).toEqual(expected.map((r) => r.status));
          } finally {
            t.close();
          }
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe("GET /v1/checklists and GET /v1/calibrations", () => {
  it("list what POST made, newest first, with a filter that narrows", async () => {
    const t = world();
    try {
      const made = [];
      for (let i = 0; i < 5; i++) {
        const res = await t.post("/v1/checklists", {
          instruction: `Task ${i}: ${"x".repeat(i * 100)}`,
          items: [{ question: `Q${i}?`, must_pass: i % 2 === 0 }],
        });
        expect(res.status).toBe(200);
        made.push(res.json);
      }
      // Stored within the same second: the id orders them, the same way on every page.
      const all = await walk(t.get, "/v1/checklists", "checklists", 2);
      expect(all.map((c) => c.id).sort()).toEqual(made.map((c) => c.id).sort());
      const first = all[0];
      const original = made.find((c) => c.id === first.id)!;
      expect(first.items).toEqual(original.items);
      expect(first.source).toBe("provided");
      expect(original.instruction.startsWith(first.instruction_preview.replace(/…$/, ""))).toBe(true);
      expect(first.instruction_preview.length).toBeLessThanOrEqual(201);
      expect((await t.get("/v1/checklists?source=generated")).json.checklists).toEqual([]);

      const examples = Array.from({ length: 60 }, (_, i) => ({ p: (i + 0.5) / 60, label: (i % 3 === 0 ? 0 : 1) as 0 | 1 }));
      const point = (await t.post("/v1/calibrations", { name: "pointwise one", kind: "pointwise", examples })).json;
      const pair = (
        await t.post("/v1/calibrations", { name: "pairwise one", kind: "pairwise", examples: examples.map((e) => ({ p_a: e.p, label: e.label ? "a" : "b" })) })
      ).json;
      const listed = (await t.get("/v1/calibrations")).json.calibrations;
      expect(listed.map((c: any) => c.id).sort()).toEqual([point.id, pair.id].sort());
      const pointwise = (await t.get("/v1/calibrations?kind=pointwise")).json.calibrations;
      expect(pointwise).toEqual([
        expect.objectContaining({
          id: point.id,
          name: "pointwise one",
          kind: "pointwise",
          n: 60,
          method: point.method,
          lambdas: [point.threshold?.lambda ?? null],
          coverage: point.coverage,
        }),
      ]);
    } finally {
      t.close();
    }
  });

  it("puts profiles and checklists of other tenants out of reach", async () => {
    const t = world();
    try {
      await t.db.insert(calibrations).values({ id: "cb_other", tenant: "other", name: "theirs", kind: "pointwise", profile: {}, createdAt: 1 });
      await t.db.insert(checklists).values({
        id: "cl_other",
        tenant: "other",
        fingerprint: "f",
        contentHash: "h",
        instruction: "theirs",
        items: [],
        source: "provided",
        usage: { upstream_calls: 0, prompt_tokens: 0, completion_tokens: 0 },
      });
      expect((await t.get("/v1/calibrations")).json.calibrations).toEqual([]);
      expect((await t.get("/v1/checklists")).json.checklists).toEqual([]);
    } finally {
      t.close();
    }
  });
});
