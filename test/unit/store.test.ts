import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openSqlite } from "../../src/store/sqlite";
import { createDrizzleStore } from "../../src/store/store";
import { useTempDirs } from "../support/temp-dirs";

const tempDir = useTempDirs("tickbox-store-");

/** Two stores on one SQLite file, as two processes would have. */
function twoProcesses() {
  const dir = tempDir();
  const a = openSqlite(join(dir, "t.db"));
  const b = openSqlite(join(dir, "t.db"));
  return {
    a: createDrizzleStore(a),
    b: createDrizzleStore(b),
    close: () => {
      a.close();
      b.close();
    },
  };
}

const checklist = {
  id: "cl_1",
  tenant: "t1",
  fingerprint: "fp-checklist",
  contentHash: "h",
  instruction: "Say hi.",
  context: null,
  items: [{ id: "q1", question: "Is it a greeting?", weight: 100, must_pass: true }],
  source: "provided" as const,
  model: null,
  promptVersion: null,
  usage: { upstream_calls: 0, prompt_tokens: 0, completion_tokens: 0 },
};

const evaluation = (id: string, rationale: string) => ({
  id,
  tenant: "t1",
  fingerprint: "fp-grading",
  checklistId: "cl_1",
  instruction: "Say hi.",
  context: null,
  response: "Hello!",
  results: [{ item_id: "q1", verdict: "YES" as const, p_yes: 0.9, rationale }],
  signal: "logprobs" as const,
  model: "m",
  promptVersion: "v",
  usage: { upstream_calls: 1, prompt_tokens: 10, completion_tokens: 3 },
});

describe("drizzle store", () => {
  it("returns the row it wrote, the same as reading it back", async () => {
    const { a, close } = twoProcesses();
    await a.putChecklist(checklist);
    const written = await a.putGrading(evaluation("ev_a", "first"));
    expect(await a.gradingByFingerprint("t1", "fp-grading")).toEqual(written);
    expect(written.createdAt).toBeGreaterThan(1_700_000_000);
    close();
  });

  it("on a fingerprint another process stored first, returns the stored row, not its own", async () => {
    const { a, b, close } = twoProcesses();
    await a.putChecklist(checklist);
    const first = await a.putGrading(evaluation("ev_a", "first"));
    const second = await b.putGrading(evaluation("ev_b", "second"));
    expect(second).toEqual(first);
    expect(second.results[0]!.rationale).toBe("first");
    expect(await b.evaluationById("t1", "ev_b")).toBeUndefined();
    close();
  });
});
