// The store contract: what every implementation of the ports in src/store/ports.ts must do,
// checked through the ports alone. It runs over better-sqlite3 (test/contract/stores-node.test.ts)
// and over D1 inside workerd (test/worker/stores.test.ts); a store for another engine runs it too.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Stores } from "../../src/store/ports";
import type { ChecklistRecord, NewChecklist, NewGrading } from "../../src/store/records";

const usage = { upstream_calls: 1, prompt_tokens: 10, completion_tokens: 3 };

/** A fresh name for this run: every run writes its own rows on a database the runs share. */
let serial = 0;
const fresh = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${serial++}`;

const checklistOf = (tenant: string, fingerprint: string, question: string): NewChecklist => ({
  id: `cl_${tenant}_${fingerprint}`,
  tenant,
  fingerprint,
  contentHash: `h-${fingerprint}`,
  instruction: `Instruction ${fingerprint}`,
  context: null,
  items: [{ id: "q1", question, weight: 100, must_pass: true }],
  source: "provided",
  model: null,
  promptVersion: null,
  usage: { upstream_calls: 0, prompt_tokens: 0, completion_tokens: 0 },
});

const gradingOf = (checklist: ChecklistRecord, fingerprint: string, rationale: string): NewGrading => ({
  id: `ev_${checklist.tenant}_${fingerprint}`,
  tenant: checklist.tenant,
  fingerprint,
  checklistId: checklist.id,
  instruction: checklist.instruction,
  context: null,
  response: `Response ${fingerprint}`,
  results: [{ item_id: "q1", verdict: "YES", rationale, p_yes: 0.75 }],
  signal: "logprobs",
  model: "m",
  promptVersion: "v",
  usage,
});

/** Registers the contract's tests over `open`, which gives the stores of one migrated database. */
export function storeContract(engine: string, open: () => Promise<Stores>) {
  describe(`stores on ${engine}`, () => {
    it("show every tenant its own records and nothing of another's, whichever tenants share fingerprints", async () => {
      const stores = await open();
      // Which of three tenants store a checklist (and a grading of it), a comparison and a
      // revision under each of a few fingerprints: tenants often share a fingerprint.
      const plan = fc.array(
        fc.record({ fp: fc.integer({ min: 0, max: 3 }), tenant: fc.integer({ min: 0, max: 2 }), kind: fc.constantFrom("checklist", "comparison", "revision") }),
        { minLength: 1, maxLength: 12 },
      );
      await fc.assert(
        fc.asyncProperty(plan, async (steps) => {
          const tenants = [fresh("a"), fresh("b"), fresh("c")];
          const fps = [fresh("fp"), fresh("fp"), fresh("fp"), fresh("fp")];
          const owned = new Map<string, Set<string>>(); // `${kind}:${fp}` → tenants that stored it
          for (const { fp, tenant, kind } of steps) {
            const t = tenants[tenant]!;
            const f = fps[fp]!;
            if (kind === "checklist") {
              const checklist = await stores.judge.putChecklist(checklistOf(t, f, `Question of ${t}`));
              await stores.judge.putGrading(gradingOf(checklist, f, `Rationale of ${t}`));
            } else if (kind === "comparison") {
              await stores.pairwise.putComparison({
                tenant: t,
                fingerprint: f,
                better: "FIRST",
                pFirst: 0.5,
                rationale: `Rationale of ${t}`,
                model: "m",
                promptVersion: "v",
                usage,
              });
            } else {
              await stores.pairwise.putRevision({ tenant: t, fingerprint: f, revision: `Revision of ${t}`, model: "m", promptVersion: "v", usage });
            }
            owned.set(`${kind}:${f}`, (owned.get(`${kind}:${f}`) ?? new Set()).add(t));
          }
          for (const t of tenants) {
            for (const f of fps) {
              const has = (kind: string) => owned.get(`${kind}:${f}`)?.has(t) ?? false;
              const checklist = await stores.judge.checklistByFingerprint(t, f);
              expect(checklist?.tenant ?? null).toBe(has("checklist") ? t : null);
              if (checklist) expect(checklist.items[0]!.question).toBe(`Question of ${t}`);
              expect(await stores.judge.checklistById(t, `cl_${t}_${f}`)).toEqual(checklist);
              for (const other of tenants.filter((o) => o !== t)) expect(await stores.judge.checklistById(other, `cl_${t}_${f}`)).toBeUndefined();
              const grading = await stores.judge.gradingByFingerprint(t, f);
              expect(grading?.results[0]?.rationale ?? null).toBe(has("checklist") ? `Rationale of ${t}` : null);
              expect((await stores.pairwise.comparisonByFingerprint(t, f))?.rationale ?? null).toBe(has("comparison") ? `Rationale of ${t}` : null);
              expect((await stores.pairwise.revisionByFingerprint(t, f))?.revision ?? null).toBe(has("revision") ? `Revision of ${t}` : null);
            }
            const listed = await stores.listings.checklists(t, {}, null, 100);
            const expected = fps.filter((f) => owned.get(`checklist:${f}`)?.has(t)).map((f) => `cl_${t}_${f}`);
            expect(listed.rows.map((r) => r.id).sort()).toEqual(expected.sort());
          }
        }),
        { numRuns: 15 },
      );
    });

    it("keep the first record stored under a tenant's fingerprint, and say so to a later writer", async () => {
      const { judge, pairwise } = await open();
      const tenant = fresh("t");
      const fp = fresh("fp");
      const first = await judge.putChecklist(checklistOf(tenant, fp, "First?"));
      const second = await judge.putChecklist({ ...checklistOf(tenant, fp, "Second?"), id: "cl_other" });
      expect(second).toEqual(first);
      expect(await judge.checklistById(tenant, "cl_other")).toBeUndefined();
      const grading = await judge.putGrading(gradingOf(first, fp, "first"));
      expect(await judge.putGrading({ ...gradingOf(first, fp, "second"), id: "ev_other" })).toEqual(grading);
      expect(await judge.evaluationById(tenant, `${grading.id}~0.8`)).toEqual(grading);
      const comparison = { tenant, fingerprint: fp, better: "FIRST" as const, pFirst: null, rationale: "first", model: "m", promptVersion: "v", usage };
      expect(await pairwise.putComparison(comparison)).toEqual(comparison);
      expect(await pairwise.putComparison({ ...comparison, better: "SECOND", rationale: "second" })).toEqual(comparison);
    });

    it("adopt a staged batch whole or not at all", async () => {
      const { batches } = await open();
      const staging = `up_${Date.now()}_${fresh("s")}`;
      const items = Array.from({ length: 5 }, (_, idx) => ({ idx, customId: `c${idx}`, request: { instruction: "Say hi.", response: `Hi ${idx}` } }));
      await batches.insertItems(staging, items);
      await batches.insertItems(staging, items); // idempotent
      const row = { id: fresh("ba"), tenant: fresh("t"), keyId: null, status: "running" as const, total: 5, concurrency: 2, createdAt: Date.now() };
      // A row the database refuses (a NOT NULL column left null) must leave the staged items where they were.
      const refused = { ...row, total: null } as unknown as typeof row;
      await expect(batches.adoptStaged(staging, refused)).rejects.toThrow();
      expect(await batches.batchById(row.id)).toBeUndefined();
      expect((await batches.counts(staging)).pending).toBe(5);
      expect((await batches.counts(row.id)).pending).toBe(0);
      await batches.adoptStaged(staging, row);
      expect((await batches.batchById(row.id))?.tenant).toBe(row.tenant);
      expect((await batches.counts(row.id)).pending).toBe(5);
      expect(await batches.stagingIds()).not.toContain(staging);
    });

    it("record finished items together, each only while it is still running", async () => {
      const { batches } = await open();
      const id = fresh("ba");
      await batches.insertItems(
        id,
        Array.from({ length: 4 }, (_, idx) => ({ idx, customId: null, request: { instruction: "Say hi.", response: `Hi ${idx}` } })),
      );
      await batches.insertBatch({ id, tenant: fresh("t"), keyId: null, status: "running", total: 4, concurrency: 2, createdAt: Date.now() });
      const claimed = await batches.claim(id, 3);
      expect(claimed.map((i) => i.idx)).toEqual([0, 1, 2]);
      expect(claimed[1]!.request).toEqual({ instruction: "Say hi.", response: "Hi 1" });
      const done = { status: "done" as const, result: { id: "ev_x" }, passed: true, weighted: 1, usage, cached: false };
      // Item 3 was never claimed: finishing it changes nothing.
      await batches.finishItems(
        id,
        [0, 1, 3].map((idx) => ({ idx, outcome: done })),
      );
      expect(await batches.counts(id)).toEqual({ pending: 1, running: 1, done: 2, failed: 0 });
      const totals = await batches.totals(id);
      expect(totals.usage).toEqual({ upstream_calls: 2, prompt_tokens: 20, completion_tokens: 6 });
      expect((await batches.finishedPage(id, -1, 10)).map((i) => [i.idx, i.result])).toEqual([
        [0, { id: "ev_x" }],
        [1, { id: "ev_x" }],
      ]);
    });

    it("take each queue message's item once, and give it back only to the message that holds it", async () => {
      const { batches, claims } = await open();
      const id = fresh("ba");
      await batches.insertItems(
        id,
        Array.from({ length: 3 }, (_, idx) => ({ idx, customId: null, request: { instruction: "Say hi.", response: `Hi ${idx}` } })),
      );
      const first = await claims.claimItems(id, [
        { idx: 0, claim: "m1" },
        { idx: 1, claim: "m1" },
      ]);
      expect([...first.keys()].sort()).toEqual([0, 1]);
      // Another message for item 0 finds it held; a redelivery of m1 takes it up again.
      expect([...(await claims.claimItems(id, [{ idx: 0, claim: "m2" }])).keys()]).toEqual([]);
      expect([...(await claims.claimItems(id, [{ idx: 0, claim: "m1" }])).keys()]).toEqual([0]);
      await claims.releaseItems(id, [
        { idx: 0, claim: "m2" },
        { idx: 1, claim: "m1" },
      ]);
      expect(await claims.pendingIndexes(id, 0, 3)).toEqual([1, 2]);
    });
  });
}
