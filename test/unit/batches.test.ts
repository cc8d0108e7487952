import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseJsonLines } from "../../src/batches/json-lines";
import { nodeRunner } from "../../src/batches/node-runner";
import { BatchService, type Runner } from "../../src/batches/service";
import { ProblemError } from "../../src/errors";
import { promptfooRequest } from "../../src/integrations/promptfoo";
import type { EvaluationInput, EvaluationView } from "../../src/judge/judge";
import { createBatchStore } from "../../src/store/batch-store";
import { openSqlite } from "../../src/store/sqlite";
import { useTempDirs } from "../support/temp-dirs";

/** An evaluation view with the given score, as the judge would give it. */
function viewFor(input: EvaluationInput, weighted: number): EvaluationView {
  return {
    id: `ev_${input.response}`,
    checklist: { id: "cl_x", items: [{ id: "q1", question: "Q?", weight: 50, must_pass: false }] },
    results: [{ item_id: "q1", verdict: weighted >= 0.5 ? "YES" : "NO", rationale: "", p_yes: null }],
    signal: "none",
    scores: { pass_rate: weighted, weighted, soft: null },
    passed: weighted >= 0.8,
    pass_threshold: 0.8,
    model: "m",
    prompt_version: "grading-v1",
    cached: false,
    usage: { upstream_calls: 1, prompt_tokens: 10, completion_tokens: 2 },
  };
}

function service(evaluate: (input: EvaluationInput) => Promise<EvaluationView>) {
  const store = createBatchStore(openSqlite(":memory:"));
  return { store, batches: new BatchService({ store, evaluate, defaultConcurrency: 3 }) };
}

/** The owner of the batches here: an open server's, whose keys are not checked by these services. */
const OWNER = { tenant: "default", keyId: null };

const items = (n: number) => Array.from({ length: n }, (_, i) => ({ instruction: "Do it.", response: `r${i}` }));

describe("BatchService", () => {
  it("grades every item once, sums the totals, and records unexpected errors without their message", async () => {
    const seen: string[] = [];
    const { batches } = service(async (input) => {
      seen.push(input.response);
      if (input.response === "r2") throw new Error("secret internal detail");
      if (input.response === "r3") throw new ProblemError("upstream_timeout", "the upstream model did not answer in time");
      return viewFor(input, input.response === "r0" ? 0.5 : 1);
    });
    const { id } = await batches.create(items(6), undefined, OWNER);
    await batches.idle(id);
    const view = await batches.view(id);
    expect(view.status).toBe("completed");
    expect(view.counts).toEqual({ pending: 0, running: 0, done: 4, failed: 2 });
    expect([...seen].sort()).toEqual(["r0", "r1", "r2", "r3", "r4", "r5"]);
    expect(view.summary.pass_rate).toBe(3 / 4);
    expect(view.summary.mean_weighted).toBeCloseTo((0.5 + 1 + 1 + 1) / 4, 12);
    expect(view.summary.usage.upstream_calls).toBe(4);
    const rows = await batches.resultsPage(id, -1, 10);
    expect(rows[2]!.problem).toMatchObject({ code: "internal" });
    expect(JSON.stringify(rows[2]!.problem)).not.toContain("secret");
    expect(rows[3]!.problem).toMatchObject({ code: "upstream_timeout", status: 504 });
    expect(rows[0]!.result).not.toHaveProperty("cached");
    expect(rows[0]!.result).not.toHaveProperty("usage");
  });

  it("on start-up, puts items a dead process left running back in the queue and finishes them", async () => {
    const { store, batches } = service(async (input) => viewFor(input, 1));
    const id = await BatchService.idFor(items(4), OWNER.tenant);
    await store.insertItems(
      id,
      items(4).map((request, idx) => ({ idx, customId: null, request })),
    );
    await store.insertBatch({ id, tenant: "default", keyId: null, status: "running", total: 4, concurrency: 2, createdAt: Date.now() });
    // As a killed process leaves them: one item done, two claimed, one untouched.
    expect((await store.claim(id, 1)).map((r) => r.idx)).toEqual([0]);
    await store.finishItems(id, [
      { idx: 0, outcome: { status: "done", result: { id: "ev_r0" }, usage: { upstream_calls: 1, prompt_tokens: 1, completion_tokens: 1 }, cached: false } },
    ]);
    expect((await store.claim(id, 2)).map((r) => r.idx)).toEqual([1, 2]);
    expect(await store.counts(id)).toEqual({ pending: 1, running: 2, done: 1, failed: 0 });

    expect(await batches.resumeAll()).toEqual([id]);
    await batches.idle(id);
    expect(await store.counts(id)).toEqual({ pending: 0, running: 0, done: 4, failed: 0 });
    expect((await store.finishedPage(id, -1, 10))[0]!.result).toEqual({ id: "ev_r0" });
  });

  it("names a batch by its items: order and custom ids count", async () => {
    const a = items(3);
    expect(await BatchService.idFor(a, OWNER.tenant)).toBe(await BatchService.idFor(items(3), OWNER.tenant));
    expect(await BatchService.idFor([...a].reverse(), OWNER.tenant)).not.toBe(await BatchService.idFor(a, OWNER.tenant));
    expect(
      await BatchService.idFor(
        a.map((x, i) => ({ ...x, custom_id: `c${i}` })),
        OWNER.tenant,
      ),
    ).not.toBe(await BatchService.idFor(a, OWNER.tenant));
  });
});

describe("parseJsonLines", () => {
  const schema = z.strictObject({ a: z.number() });
  it("skips blank lines and keeps order", () => {
    expect(parseJsonLines('{"a":1}\n\n{"a":2}\r\n', schema, 10)).toEqual([{ a: 1 }, { a: 2 }]);
  });
  it("points at the item, counting items rather than lines", () => {
    try {
      parseJsonLines('{"a":1}\n\n{"a":"x"}\n', schema, 10);
      expect.unreachable();
    } catch (error) {
      expect((error as ProblemError).errors).toEqual([{ path: "/1/a", message: expect.stringContaining("line 3") }]);
    }
  });
  it("refuses more items than allowed", () => {
    expect(() => parseJsonLines('{"a":1}\n{"a":2}\n{"a":3}\n', schema, 2)).toThrow(/at most 2/);
  });
});

describe("promptfoo payloads", () => {
  const options = { instructionVar: "instruction", checklistVar: "checklist" };
  it("prefers the instruction var to the prompt, and reads a checklist one question per line", () => {
    const { request: input } = promptfooRequest(
      { output: { text: "hi" }, context: { prompt: "full prompt", vars: { instruction: "Say hi.", checklist: "Is it a greeting?\n\n Is it short? " } } },
      options,
    );
    expect(input.instruction).toBe("Say hi.");
    expect(input.response).toBe('{"text":"hi"}');
    expect(input.checklist).toEqual({ items: [{ question: "Is it a greeting?" }, { question: "Is it short?" }] });
  });
  it("falls back to the prompt and to a generated checklist", () => {
    const { request: input } = promptfooRequest({ output: "hi", context: { prompt: "Say hi." } }, options);
    expect(input.instruction).toBe("Say hi.");
    expect(input.checklist).toBeUndefined();
  });
  it("places each part of the request where it came from in the payload", () => {
    const { place } = promptfooRequest(
      { output: "hi", context: { prompt: "p", vars: { task: "t", qs: ["a"] } } },
      { instructionVar: "task", checklistVar: "qs" },
    );
    expect(place(["instruction"])).toEqual(["context", "vars", "task"]);
    expect(place(["response"])).toEqual(["output"]);
    expect(place(["checklist", "items", 0, "weight"])).toEqual(["context", "vars", "qs", 0, "weight"]);
    expect(place(["checklist", "items"])).toEqual(["context", "vars", "qs"]);
  });
});

describe("batch store groups", () => {
  const outcome = (n: number) => ({
    status: "done" as const,
    result: { n },
    usage: { upstream_calls: 1, prompt_tokens: 1, completion_tokens: 1 },
    cached: false,
  });
  it("claims the lowest pending indexes, releases unstarted ones, and finishes only running items", async () => {
    const { store } = service(async (input) => viewFor(input, 1));
    const id = await BatchService.idFor(items(5), OWNER.tenant);
    await store.insertItems(
      id,
      items(5).map((request, idx) => ({ idx, customId: null, request })),
    );
    expect((await store.claim(id, 3)).map((r) => r.idx)).toEqual([0, 1, 2]);
    await store.release(id, [2]);
    expect((await store.claim(id, 2)).map((r) => r.idx)).toEqual([2, 3]);
    // Item 4 was never claimed: finishing it changes nothing.
    await store.finishItems(id, [
      { idx: 0, outcome: outcome(0) },
      { idx: 3, outcome: outcome(3) },
      { idx: 4, outcome: outcome(4) },
    ]);
    expect(await store.counts(id)).toEqual({ pending: 1, running: 2, done: 2, failed: 0 });
    expect((await store.finishedPage(id, -1, 10)).map((r) => r.result)).toEqual([{ n: 0 }, { n: 3 }]);
  });
});

describe("BatchService in groups", () => {
  it("grades every item exactly once with more workers than a claim holds", async () => {
    const seen: string[] = [];
    const { batches } = service(async (input) => {
      seen.push(input.response);
      await new Promise((r) => setTimeout(r, 1));
      return viewFor(input, 1);
    });
    const { id } = await batches.create(items(300), 100, OWNER);
    await batches.idle(id);
    expect(seen).toHaveLength(300);
    expect(new Set(seen).size).toBe(300);
    expect((await batches.view(id)).counts).toEqual({ pending: 0, running: 0, done: 300, failed: 0 });
  });

  it("tells listeners as groups of items are written, and that the run ended once it has", async () => {
    const { batches } = service(async (input) => viewFor(input, 1));
    const id = await BatchService.idFor(items(8), OWNER.tenant);
    const heard: { ended: boolean; status: string; done: number }[] = [];
    batches.subscribe(
      id,
      (ended) => void batches.get(id).then(async (row) => heard.push({ ended, status: row.status, done: (await batches.view(id)).counts.done })),
    );
    await batches.create(items(8), 2, OWNER);
    await batches.idle(id);
    await new Promise((r) => setTimeout(r, 10));
    expect(heard.at(-1)).toEqual({ ended: true, status: "completed", done: 8 });
    expect(heard.filter((h) => h.ended)).toHaveLength(1);
  });

  it("on cancel, writes what finished and puts claimed items no worker took back in the queue", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const seen: string[] = [];
    const { store, batches } = service(async (input) => {
      seen.push(input.response);
      if (input.response !== "r0") await gate;
      return viewFor(input, 1);
    });
    // Concurrency 4 runs 5 workers (one more keeps the upstream busy), claiming 5 items at a time.
    const { id } = await batches.create(items(12), 4, OWNER);
    await new Promise((r) => setTimeout(r, 5));
    // r0 finished at once (its result waits to be written with others); its worker claimed the
    // next group (r5–r9) and is on r5.
    expect(seen).toEqual(["r0", "r1", "r2", "r3", "r4", "r5"]);
    expect(await store.counts(id)).toEqual({ pending: 2, running: 10, done: 0, failed: 0 });
    const cancelling = batches.cancel(id);
    await new Promise((r) => setTimeout(r, 5)); // the cancel has stopped the workers taking more
    release();
    const view = await cancelling;
    expect(view.status).toBe("cancelled");
    expect(view.counts).toEqual({ pending: 6, running: 0, done: 6, failed: 0 });
    expect((await batches.resultsPage(id, -1, 20)).map((r) => r.idx)).toEqual([0, 1, 2, 3, 4, 5]);
  });
});

describe("BatchService under concurrent starts", () => {
  it("runs one set of workers when a batch is resumed twice at the same moment", async () => {
    const seen: string[] = [];
    const { store, batches } = service(async (input) => {
      seen.push(input.response);
      await new Promise((r) => setTimeout(r, 5));
      return viewFor(input, 1);
    });
    const id = await BatchService.idFor(items(12), OWNER.tenant);
    await store.insertItems(
      id,
      items(12).map((request, idx) => ({ idx, customId: null, request })),
    );
    await store.insertBatch({ id, tenant: "default", keyId: null, status: "running", total: 12, concurrency: 2, createdAt: Date.now() });
    await Promise.all([batches.resumeAll(), batches.resumeAll(), batches.retry(id)]);
    await batches.idle(id);
    expect(seen).toHaveLength(12);
    expect(new Set(seen).size).toBe(12);
    expect((await batches.view(id)).counts.done).toBe(12);
  });
});

describe("batch leases", () => {
  const tempDir = useTempDirs("tickbox-lease-");

  /** Batch services on one SQLite file, as processes sharing it would have. */
  function onOneFile() {
    const dir = tempDir();
    return (evaluate: (input: EvaluationInput) => Promise<EvaluationView>, runner?: Runner, leaseMs?: number) => {
      const store = createBatchStore(openSqlite(join(dir, "b.db")));
      return { store, batches: new BatchService({ store, evaluate, defaultConcurrency: 2, ...(runner ? { runner } : {}), ...(leaseMs ? { leaseMs } : {}) }) };
    };
  }

  it("a second process leaves a batch another live process works on alone", async () => {
    const open = onOneFile();
    const gradedBy: string[] = [];
    const a = open(async (input) => {
      gradedBy.push(`a:${input.response}`);
      await new Promise((r) => setTimeout(r, 5));
      return viewFor(input, 1);
    });
    const b = open(async (input) => {
      gradedBy.push(`b:${input.response}`);
      return viewFor(input, 1);
    });
    const { id } = await a.batches.create(items(12), undefined, OWNER);
    // B starts up (or a CLI is pointed at the same file) while A is at work.
    expect(await b.batches.resumeAll()).toEqual([id]);
    await b.batches.create(items(12), undefined, OWNER);
    await a.batches.idle(id);
    expect(gradedBy.filter((g) => g.startsWith("b:"))).toEqual([]);
    expect(gradedBy).toHaveLength(12);
    expect((await b.batches.view(id)).status).toBe("completed");
    expect((await b.store.batchById(id))!.runner).toBeNull();
  });

  it("takes over at once from a runner known to be gone, and from one silent for longer than the lease", async () => {
    const open = onOneFile();
    for (const [holder, heartbeat, gone] of [
      ["dead-runner", Date.now(), true],
      ["silent-runner", Date.now() - 31_000, false],
    ] as const) {
      const { store, batches } = open(async (input) => viewFor(input, 1), { id: "me", gone: (other) => gone && other === holder });
      const id = await BatchService.idFor(
        items(3).map((item) => ({ ...item, custom_id: holder })),
        OWNER.tenant,
      );
      await store.insertItems(
        id,
        items(3).map((request, idx) => ({ idx, customId: holder, request })),
      );
      await store.insertBatch({ id, tenant: "default", keyId: null, status: "running", total: 3, concurrency: 2, createdAt: Date.now() });
      expect(await store.takeLease(id, null, holder, heartbeat)).toBe(true);
      await store.claim(id, 2); // the items it held
      expect(await batches.resumeAll()).toContain(id);
      await batches.idle(id);
      expect(await store.counts(id)).toEqual({ pending: 0, running: 0, done: 3, failed: 0 });
    }
  });

  it("stops, within a third of the lease, a batch another process cancelled", async () => {
    const open = onOneFile();
    let graded = 0;
    const a = open(
      async (input) => {
        graded++;
        await new Promise((r) => setTimeout(r, 10));
        return viewFor(input, 1);
      },
      { id: "a", gone: () => false },
      90,
    );
    const b = open(async (input) => viewFor(input, 1), { id: "b", gone: () => false }, 90);
    const { id } = await a.batches.create(items(100), undefined, OWNER);
    await new Promise((r) => setTimeout(r, 15));
    await b.batches.cancel(id);
    await a.batches.idle(id);
    expect(graded).toBeLessThan(60);
    const counts = await a.store.counts(id);
    expect(counts).toMatchObject({ running: 0, pending: 100 - counts.done });
    expect((await a.store.batchById(id))!.status).toBe("cancelled");
  });

  it("lets a batch go when another runner has taken its lease", async () => {
    const open = onOneFile();
    let graded = 0;
    const a = open(
      async (input) => {
        graded++;
        await new Promise((r) => setTimeout(r, 10));
        return viewFor(input, 1);
      },
      { id: "a", gone: () => false },
      90,
    );
    const { id } = await a.batches.create(items(100), 2, OWNER);
    await new Promise((r) => setTimeout(r, 15));
    expect(await a.store.takeLease(id, "a", "b", Date.now())).toBe(true);
    await a.batches.idle(id);
    expect(graded).toBeLessThan(60);
    const row = (await a.store.batchById(id))!;
    expect([row.status, row.runner]).toEqual(["running", "b"]);
  });

  it("waits while the lease of a live runner is fresh", async () => {
    const open = onOneFile();
    const { store, batches } = open(async (input) => viewFor(input, 1), { id: "me", gone: () => false });
    const id = await BatchService.idFor(items(2), OWNER.tenant);
    await store.insertItems(
      id,
      items(2).map((request, idx) => ({ idx, customId: null, request })),
    );
    await store.insertBatch({ id, tenant: "default", keyId: null, status: "running", total: 2, concurrency: 1, createdAt: Date.now() });
    await store.takeLease(id, null, "busy-runner", Date.now());
    await batches.resumeAll();
    await batches.idle(id);
    expect(await store.counts(id)).toEqual({ pending: 2, running: 0, done: 0, failed: 0 });
  });
});

describe("nodeRunner", () => {
  it("knows a process of this host that has exited is gone, and a live one is not", async () => {
    const runner = nodeRunner();
    const [host] = runner.id.split("/");
    const child = spawn(process.execPath, ["-e", "0"]);
    await new Promise((r) => child.on("exit", r));
    expect(runner.gone(`${host}/${child.pid}/x`)).toBe(true);
    expect(runner.gone(`${host}/${process.ppid}/x`)).toBe(false);
    expect(runner.gone(runner.id)).toBe(false);
    expect(runner.gone(`${host}/${process.pid}/an-earlier-life`)).toBe(true);
    expect(runner.gone(`another-host/${child.pid}/x`)).toBe(false);
  });
});
