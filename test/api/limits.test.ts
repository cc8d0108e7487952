import { describe, expect, it } from "vitest";
import { useFakeUpstream } from "../support/file-fake";
import { makeApp, upstreamEnv } from "../support/harness";

const fake = useFakeUpstream();

const limited = () => makeApp({ ...upstreamEnv(fake), TICKBOX_MAX_TEXT_CHARS: "100", TICKBOX_MAX_CANDIDATES: "3", TICKBOX_MAX_CHECKLIST_ITEMS: "2" });

describe("configured request limits", () => {
  it("422 limit_exceeded naming each field, the limit and its variable, before any upstream call", async () => {
    const t = limited();
    const res = await t.post("/v1/evaluations", {
      instruction: "x".repeat(101),
      response: "ok",
      checklist: { items: [{ question: "a?" }, { question: "b?" }, { question: "c?" }] },
    });
    expect(res.status).toBe(422);
    expect(res.json.code).toBe("limit_exceeded");
    expect(res.json.errors).toEqual([
      { path: "/instruction", message: "longer than the limit of 100 characters (TICKBOX_MAX_TEXT_CHARS)" },
      { path: "/checklist/items", message: "more than the limit of 2 checklist items (TICKBOX_MAX_CHECKLIST_ITEMS)" },
    ]);
    const selection = await t.post("/v1/selections", { instruction: "pick", candidates: ["a", "b", "c", "d"] });
    expect(selection.json.errors).toEqual([{ path: "/candidates", message: "more than the limit of 3 candidates (TICKBOX_MAX_CANDIDATES)" }]);
    expect(fake.calls).toHaveLength(0);
  });

  it("lets requests within the limits through", async () => {
    const t = limited();
    const res = await t.post("/v1/evaluations", { instruction: "x".repeat(100), response: "ok", checklist: { items: [{ question: "a?" }] } });
    expect(res.status).toBe(200);
  });

  it("refuses a limit above the contract's ceiling at start-up", () => {
    expect(() => makeApp({ TICKBOX_MAX_CANDIDATES: "500" })).toThrow(/TICKBOX_MAX_CANDIDATES/);
  });
});
