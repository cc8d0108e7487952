import { describe, expect, it } from "vitest";
import { useFakeUpstream } from "../support/file-fake";
import { infobench, makeApp, upstreamEnv } from "../support/harness";

const fake = useFakeUpstream();

describe("GET /v1/evaluations/{id}", () => {
  it("gives what was graded beside the grading: instruction, context, response byte for byte, and when", async () => {
    const t = makeApp(upstreamEnv(fake));
    const row = infobench[2]!;
    const response = `  ${row.output}\n\n`; // kept as sent, spaces included
    const before = Date.now();
    const graded = await t.post("/v1/evaluations", {
      instruction: row.instruction,
      context: row.input,
      response,
      checklist: { items: [{ question: "Is it right?" }] },
    });
    expect(graded.status).toBe(200);
    const got = await t.get(`/v1/evaluations/${graded.json.id}`);
    expect(got.status).toBe(200);
    const { instruction, context, response: stored, created_at, ...grading } = got.json;
    expect({ instruction, context, response: stored }).toEqual({ instruction: row.instruction, context: row.input, response });
    expect(Date.parse(created_at)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(Date.parse(created_at)).toBeLessThanOrEqual(Date.now());
    expect(grading).toEqual({ ...graded.json, cached: true, usage: { upstream_calls: 0, prompt_tokens: 0, completion_tokens: 0 } });
  });
});
