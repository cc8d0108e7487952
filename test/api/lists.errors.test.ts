import { describe, expect, it } from "vitest";
import { makeApp } from "../support/harness";
import { expectProblem } from "../support/problems";

describe("list endpoints — bad queries", () => {
  it("refuses a cursor it did not hand out, naming /cursor", async () => {
    const t = makeApp({}, { background: true });
    for (const list of ["/v1/evaluations", "/v1/checklists", "/v1/calibrations", "/v1/batches"]) {
      for (const cursor of ["nonsense", "W10", btoa(JSON.stringify(["evaluations", "x", 1]))]) {
        const res = await t.get(`${list}?cursor=${encodeURIComponent(cursor)}`);
        expectProblem(res, 422, "validation_failed");
        expect(res.json.errors).toEqual([{ path: "/cursor", message: expect.stringContaining("next_cursor") }]);
      }
    }
  });

  it("refuses one list's cursor on another", async () => {
    const t = makeApp();
    await t.post("/v1/checklists", { instruction: "A", items: [{ question: "a?" }] });
    await t.post("/v1/checklists", { instruction: "B", items: [{ question: "b?" }] });
    const page = await t.get("/v1/checklists?limit=1");
    expect(page.json.next_cursor).toEqual(expect.any(String));
    expectProblem(await t.get(`/v1/evaluations?cursor=${page.json.next_cursor}`), 422, "validation_failed");
  });

  it("names the parameter that is out of range or malformed", async () => {
    const t = makeApp({}, { background: true });
    const cases: [string, string][] = [
      ["/v1/evaluations?limit=0", "/limit"],
      ["/v1/evaluations?limit=101", "/limit"],
      ["/v1/evaluations?passed=maybe", "/passed"],
      ["/v1/evaluations?created_after=yesterday", "/created_after"],
      ["/v1/checklists?source=stolen", "/source"],
      ["/v1/calibrations?kind=triplewise", "/kind"],
      ["/v1/batches?status=paused", "/status"],
      ["/v1/batches/ba_x/items?sort=colour", "/sort"],
      ["/v1/batches/ba_x/items?limit=501", "/limit"],
      ["/v1/batches/ba_x/results?format=xlsx", "/format"],
    ];
    for (const [path, pointer] of cases) {
      const res = await t.get(path);
      expectProblem(res, 422, "validation_failed");
      expect(
        res.json.errors.map((e: any) => e.path),
        path,
      ).toContain(pointer);
    }
  });

  it("answers 501 for batch lists where there are no background batches", async () => {
    const t = makeApp();
    expectProblem(await t.get("/v1/batches"), 501, "not_implemented");
  });
});
