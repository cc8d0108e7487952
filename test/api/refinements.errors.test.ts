import { describe, expect, it } from "vitest";
import { useFakeUpstream } from "../support/file-fake";
import { makeApp, upstreamEnv } from "../support/harness";

const fake = useFakeUpstream();

const request = { instruction: "Reply politely.", response: "No.", checklist: { items: [{ question: "Is it polite?" }] } };

describe("POST /v1/refinements — bad requests", () => {
  it("422 for max_rounds outside 1-5, an empty response, or an unknown field", async () => {
    const t = makeApp(upstreamEnv(fake));
    const cases: [object, string][] = [
      [{ ...request, max_rounds: 0 }, "/max_rounds"],
      [{ ...request, max_rounds: 6 }, "/max_rounds"],
      [{ ...request, max_rounds: 2.5 }, "/max_rounds"],
      [{ ...request, response: "" }, "/response"],
      [{ ...request, rounds: 2 }, "/rounds"],
    ];
    for (const [body, path] of cases) {
      const res = await t.post("/v1/refinements", body);
      expect(res.status).toBe(422);
      expect(res.json.errors.map((e: any) => e.path)).toContain(path);
    }
    expect(fake.calls).toHaveLength(0);
  });
});

describe("POST /v1/refinements — upstream failures", () => {
  it("502 when the reviser fails; the next attempt revises again", async () => {
    const t = makeApp(upstreamEnv(fake));
    fake.answer = () => ({ verdict: "NO" });
    // Grade first, so that the fault reaches the reviser.
    await t.post("/v1/evaluations", request);
    fake.enqueue({ kind: "status", status: 500 });
    const res = await t.post("/v1/refinements", request);
    expect(res.status).toBe(502);
    expect(res.json.code).toBe("upstream_error");
    expect(fake.calls.map((c) => c.kind)).toEqual(["grading", "other"]);
    const retry = await t.post("/v1/refinements", { ...request, max_rounds: 1 });
    expect(retry.status).toBe(200);
    expect(fake.calls.map((c) => c.kind)).toEqual(["grading", "other", "other", "grading"]);
  });

  it("502 for an empty revision, which is not stored", async () => {
    const t = makeApp(upstreamEnv(fake));
    fake.answer = () => ({ verdict: "NO" });
    fake.text = "   ";
    const res = await t.post("/v1/refinements", request);
    expect(res.status).toBe(502);
    expect(res.json.code).toBe("upstream_invalid_output");
    fake.text = "Certainly, thank you for asking.";
    const retry = await t.post("/v1/refinements", { ...request, max_rounds: 1 });
    expect(retry.status).toBe(200);
    expect(retry.json.rounds[1].response).toBe("Certainly, thank you for asking.");
  });
});
