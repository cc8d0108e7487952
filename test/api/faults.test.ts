import { describe, expect, it } from "vitest";
import type { Fault } from "../support/fake-upstream";
import { nodeFetch } from "../../src/llm/node-fetch";
import { useFakeUpstream } from "../support/file-fake";
import { infobench, makeApp, upstreamEnv } from "../support/harness";

const fake = useFakeUpstream();

const row = infobench.find((r) => r.eval.includes(false))!;
const request = {
  instruction: row.instruction,
  context: row.input || null,
  response: row.output,
  checklist: { items: row.decomposed_questions.map((question) => ({ question })) },
};
const answers = (count: number) => row.decomposed_questions.slice(0, count).map((_, i) => `"q${i + 1}":{"rationale":"r","verdict":"YES"}`);
const missingItem = `{${answers(row.decomposed_questions.length - 1).join(",")}}`;
const extraItem = `{${[...answers(row.decomposed_questions.length), '"q99":{"rationale":"r","verdict":"NO"}'].join(",")}}`;

// Both transports the service uses: the platform fetch (Workers, tests) and undici (the Node server).
describe.each([
  ["fetch", undefined],
  ["undici", nodeFetch],
] as const)("upstream faults over %s: every request ends in success or a clear 5xx, nothing wrong is stored", (_transport, transport) => {
  // One retry is allowed: a single transient fault is absorbed, two in a row surface as 502/504.
  const cases: [string, Fault[], number][] = [
    ["429 with Retry-After, then success", [{ kind: "status", status: 429, retryAfter: "0" }], 200],
    ["one 500, then success", [{ kind: "status", status: 500 }], 200],
    [
      "two 500s",
      [
        { kind: "status", status: 500 },
        { kind: "status", status: 500 },
      ],
      502,
    ],
    ["one reset connection, then success", [{ kind: "reset" }], 200],
    ["two reset connections", [{ kind: "reset" }, { kind: "reset" }], 502],
    ["two hangs", [{ kind: "hang" }, { kind: "hang" }], 504],
    ["truncated JSON", [{ kind: "truncated" }], 502],
    [
      "a missing item twice",
      [
        { kind: "content", content: missingItem },
        { kind: "content", content: missingItem },
      ],
      502,
    ],
    ["an extra item, then a good answer", [{ kind: "content", content: extraItem }], 200],
    [
      "a refusal twice",
      [
        { kind: "content", content: "I'm sorry, I can't help with that." },
        { kind: "content", content: "I can't." },
      ],
      502,
    ],
  ];

  it.each(cases)("%s", async (_name, faults, status) => {
    const t = makeApp({ ...upstreamEnv(fake), TICKBOX_UPSTREAM_RETRIES: "1", TICKBOX_UPSTREAM_TIMEOUT_MS: "300" }, transport ? { fetch: transport } : {});
    fake.answer = (_id, i) => ({ verdict: row.eval[i] ? "YES" : "NO" });
    fake.enqueue(...faults);
    const first = await t.post("/v1/evaluations", request);
    expect(first.status).toBe(status);
    if (first.status !== 200) {
      expect(first.headers.get("content-type")).toContain("application/problem+json");
      expect(first.json.detail).toBeTruthy();
    }
    // Whatever happened, the next request gets the scripted verdicts: nothing wrong was stored.
    const next = await t.post("/v1/evaluations", request);
    expect(next.status).toBe(200);
    expect(next.json.results.map((r: any) => r.verdict === "YES")).toEqual(row.eval);
    expect((await t.get("/healthz")).status).toBe(200);
  });
});

describe("circuit breaker", () => {
  it("fails fast with 503 and Retry-After once the upstream keeps failing, and recovers after a probe", async () => {
    const t = makeApp({ ...upstreamEnv(fake), TICKBOX_BREAKER_FAILURES: "2", TICKBOX_BREAKER_COOLDOWN_MS: "300" });
    fake.enqueue({ kind: "status", status: 500 }, { kind: "status", status: 503 });
    expect((await t.post("/v1/evaluations", request)).status).toBe(502);
    expect((await t.post("/v1/evaluations", request)).status).toBe(502);
    const fast = await t.post("/v1/evaluations", request);
    expect(fast.status).toBe(503);
    expect(fast.json.code).toBe("upstream_unavailable");
    expect(Number(fast.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(fake.calls).toHaveLength(2);
    expect((await t.get("/metrics")).text).toContain('tickbox_upstream_circuit{state="open"} 1');
    await new Promise((r) => setTimeout(r, 350));
    const recovered = await t.post("/v1/evaluations", request);
    expect(recovered.status).toBe(200);
    expect((await t.get("/metrics")).text).toContain('tickbox_upstream_circuit{state="closed"} 1');
  });
});

describe("request deadline", () => {
  it("504 once the request's deadline passes, without retrying past it", async () => {
    const t = makeApp({
      ...upstreamEnv(fake),
      TICKBOX_UPSTREAM_RETRIES: "3",
      TICKBOX_UPSTREAM_TIMEOUT_MS: "5000",
      TICKBOX_REQUEST_DEADLINE_MS: "400",
    });
    fake.latencyMs = 1500;
    const res = await t.post("/v1/evaluations", request);
    expect(res.status).toBe(504);
    expect(res.json.code).toBe("upstream_timeout");
    expect(fake.calls).toHaveLength(1);
  });
});
