// Batches arrive as streams of items: stored a group at a time under a staging name, named by
// their content as they pass, and adopted or dropped whole. A server sweeps for batches nobody
// works on any more, not only at start-up.
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BatchService, type BatchItemInput } from "../../src/batches/service";
import { STAGING_EXPIRY_MS } from "../../src/batches/intake";
import type { EvaluationInput, EvaluationView } from "../../src/judge/judge";
import { asc, eq } from "drizzle-orm";
import { createBatchStore } from "../../src/store/batch-store";
import { batchItems } from "../../src/store/schema-batches";
import { openSqlite } from "../../src/store/sqlite";
import { useTempDirs } from "../support/temp-dirs";

const view = (input: EvaluationInput): EvaluationView => ({
  id: `ev_${input.response}`,
  checklist: { id: "cl_x", items: [{ id: "q1", question: "Q?", weight: 50, must_pass: false }] },
  results: [{ item_id: "q1", verdict: "YES", rationale: "", p_yes: null }],
  signal: "none",
  scores: { pass_rate: 1, weighted: 1, soft: null },
  passed: true,
  pass_threshold: 0.8,
  model: "m",
  prompt_version: "grading-v1",
  cached: false,
  usage: { upstream_calls: 1, prompt_tokens: 1, completion_tokens: 1 },
});

function open(file = ":memory:", options: { runner?: { id: string; gone: (o: string) => boolean }; leaseMs?: number; grade?: () => Promise<void> } = {}) {
  const database = openSqlite(file);
  const { db } = database;
  const store = createBatchStore(database);
  const requests = async (id: string) =>
    (await db.select().from(batchItems).where(eq(batchItems.batchId, id)).orderBy(asc(batchItems.idx))).map((r) => ({
      ...r.request,
      ...(r.customId === null ? {} : { custom_id: r.customId }),
    }));
  const batches = new BatchService({
    store,
    evaluate: async (input) => {
      await options.grade?.();
      return view(input);
    },
    defaultConcurrency: 2,
    ...(options.runner ? { runner: options.runner } : {}),
    ...(options.leaseMs ? { leaseMs: options.leaseMs } : {}),
  });
  return { store, batches, requests };
}

const OWNER = { tenant: "t", keyId: null };

async function* slowly<T>(items: T[], failAt?: number): AsyncGenerator<T> {
  for (const [i, item] of items.entries()) {
    if (i === failAt) throw new Error("the body was cut off");
    await Promise.resolve();
    yield item;
  }
}

const item = fc.record(
  {
    instruction: fc.string({ minLength: 1, maxLength: 8 }),
    response: fc.string({ minLength: 1, maxLength: 8 }),
    custom_id: fc.string({ minLength: 1, maxLength: 5 }),
  },
  { requiredKeys: ["instruction", "response"] },
);

describe("batch intake", () => {
  it("a streamed batch is named as idFor names all its items at once, and stores them in order", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(item, { minLength: 1, maxLength: 1200 }), async (items: BatchItemInput[]) => {
        const { store, batches, requests } = open();
        const { id, total } = await batches.create(slowly(items), undefined, OWNER);
        expect(id).toBe(await BatchService.idFor(items, OWNER.tenant));
        expect(total).toBe(items.length);
        expect(await requests(id)).toEqual(items);
        expect(await store.stagingIds()).toEqual([]);
        await batches.stop();
      }),
      { numRuns: 25 },
    );
  });

  it("a body that fails part-way leaves nothing behind", async () => {
    const { store, batches } = open();
    const items = Array.from({ length: 1500 }, (_, i) => ({ instruction: "Do it.", response: `r${i}` }));
    await expect(batches.create(slowly(items, 1200), undefined, OWNER)).rejects.toThrow("cut off");
    expect(await store.stagingIds()).toEqual([]);
    expect(await store.batchIdsWithStatus("running")).toEqual([]);
  });

  it("the same content again is the same batch: its staged copy is dropped, its items are not doubled", async () => {
    const { store, batches } = open();
    const items = Array.from({ length: 700 }, (_, i) => ({ instruction: "Do it.", response: `r${i}` }));
    const first = await batches.create(slowly(items), undefined, OWNER);
    await batches.idle(first.id);
    const again = await batches.create(slowly(items), undefined, OWNER);
    expect(again.id).toBe(first.id);
    expect(await store.counts(first.id)).toEqual({ pending: 0, running: 0, done: 700, failed: 0 });
    expect(await store.stagingIds()).toEqual([]);
  });

  it("the sweep drops what an upload that died long ago left staged, not what one under way has", async () => {
    const { store, batches } = open();
    const old = `up_${Date.now() - STAGING_EXPIRY_MS - 1000}_deadbeef`;
    const current = `up_${Date.now()}_cafebabe`;
    for (const staging of [old, current]) await store.insertItems(staging, [{ idx: 0, customId: null, request: { instruction: "x", response: "y" } }]);
    await batches.sweep();
    expect(await store.stagingIds()).toEqual([current]);
  });
});

describe("batch sweeps", () => {
  const tempDir = useTempDirs("tickbox-sweep-");

  it("a server already up takes over a batch once its owner (of another host) stops renewing the lease, not before", async () => {
    const file = join(tempDir(), "b.db");
    const { store, batches } = open(file, { runner: { id: "here/1/-/b", gone: () => false }, leaseMs: 400 });
    const items = Array.from({ length: 5 }, (_, i) => ({ instruction: "Do it.", response: `r${i}` }));
    const id = await BatchService.idFor(items, OWNER.tenant);
    await store.insertItems(
      id,
      items.map((request, idx) => ({ idx, customId: null, request })),
    );
    await store.insertBatch({ id, tenant: OWNER.tenant, keyId: null, status: "running", total: 5, concurrency: 2, createdAt: Date.now() });
    await store.takeLease(id, null, "elsewhere/7/-/a", Date.now());
    await store.claim(id, 2);
    batches.sweepEvery(50);
    try {
      // The owner renews its lease for a while: the sweeps leave the batch alone.
      for (let i = 0; i < 8; i++) {
        await store.renewLease(id, "elsewhere/7/-/a", Date.now());
        await new Promise((r) => setTimeout(r, 100));
        expect((await store.batchById(id))!.runner).toBe("elsewhere/7/-/a");
      }
      // Then it dies, silently: a sweep takes the batch over after the lease, and finishes it.
      const died = Date.now();
      let row = await store.batchById(id);
      while (row!.status === "running") {
        await new Promise((r) => setTimeout(r, 20));
        row = await store.batchById(id);
        expect(Date.now() - died).toBeLessThan(10_000);
      }
      expect(row!.status).toBe("completed");
      expect(await store.counts(id)).toEqual({ pending: 0, running: 0, done: 5, failed: 0 });
    } finally {
      await batches.stop();
    }
  });
});
