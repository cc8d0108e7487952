import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pointwiseExamples } from "../support/calibration-data";
import { useFakeUpstream } from "../support/file-fake";
import { makeApp, upstreamEnv } from "../support/harness";

// What the server says about its own verdicts, read honestly: the fake upstream's answers are
// passed through a proxy that reshapes them as real servers do (no alternatives, no list, numbers
// that are not log-probabilities, a verdict in another case).

const fake = useFakeUpstream();

type Completion = { choices: { message: { content: string }; logprobs: { content: any[] } | null }[] };
let rewrite: (completion: Completion, call: number) => string | Completion = (c) => c;
let proxy: Server;
let proxyUrl = "";
let forwarded = 0;

beforeAll(async () => {
  proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const upstream = await fetch(new URL(req.url!, fake.baseUrl).href.replace(/\/v1\/v1\//, "/v1/"), {
        method: req.method,
        headers: { "content-type": "application/json", authorization: String(req.headers.authorization ?? "") },
        body: req.method === "POST" ? Buffer.concat(chunks) : undefined,
      });
      const text = await upstream.text();
      const out = upstream.ok && req.url!.endsWith("/chat/completions") ? rewrite(JSON.parse(text), forwarded++) : text;
      const body = typeof out === "string" ? out : JSON.stringify(out);
      res.writeHead(upstream.status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/v1`;
});
afterAll(() => new Promise<void>((resolve) => proxy.close(() => resolve())));

const env = () => ({ ...upstreamEnv(fake), OPENAI_BASE_URL: proxyUrl });
const items = [{ question: "Is it correct?" }, { question: "Is it complete?" }, { question: "Is it concise?" }];
const grading = { instruction: "Answer the question.", checklist: { items } };
const isVerdict = (t: { token: string }) => /^"?(YES|NO)$/i.test(t.token);
const tokensOf = (c: Completion) => c.choices[0]!.logprobs!.content;

/** Scripts YES, NO, YES. */
function yesNoYes() {
  fake.answer = (_id, index) => (index === 1 ? { verdict: "NO", p_yes: 0.2 } : { verdict: "YES", p_yes: 0.8 });
}

describe("p(YES) read from what the server sends", () => {
  it("with no alternatives listed, the chosen token bounds the other side: YES at 0.999 reads 0.999, NO at 0.999 reads 0.001", async () => {
    const t = makeApp(env());
    yesNoYes();
    rewrite = (c) => {
      for (const tok of tokensOf(c)) {
        tok.top_logprobs = [];
        if (isVerdict(tok)) tok.logprob = Math.log(0.999);
      }
      return c;
    };
    const res = await t.post("/v1/evaluations", { ...grading, response: "empty lists" });
    expect(res.status).toBe(200);
    expect(res.json.signal).toBe("logprobs");
    const p = res.json.results.map((r: { p_yes: number }) => r.p_yes);
    expect(p[0]).toBeCloseTo(0.999, 9);
    expect(p[1]).toBeCloseTo(0.001, 9);
    expect(p[2]).toBeCloseTo(0.999, 9);
  });

  it("reads the same when the list is missing altogether, rather than failing the request", async () => {
    const t = makeApp(env());
    yesNoYes();
    rewrite = (c) => {
      for (const tok of tokensOf(c)) {
        delete tok.top_logprobs;
        if (isVerdict(tok)) tok.logprob = Math.log(0.9);
      }
      return c;
    };
    const res = await t.post("/v1/evaluations", { ...grading, response: "no lists" });
    expect(res.status).toBe(200);
    expect(res.json.results.map((r: { p_yes: number }) => Math.round(r.p_yes * 1000) / 1000)).toEqual([0.9, 0.1, 0.9]);
  });

  it("drops logprobs holding numbers that are not log-probabilities: p(YES) null and signal none, never a guess", async () => {
    const t = makeApp(env());
    yesNoYes();
    rewrite = (c) => {
      for (const tok of tokensOf(c)) {
        if (!isVerdict(tok)) continue;
        const word = tok.token.replace('"', "");
        tok.top_logprobs = [
          { token: word, logprob: Math.log(0.7) },
          { token: word === "YES" ? "NO" : "YES", logprob: "__MINUS_INFINITY__" },
          { token: word === "YES" ? "No" : "Yes", logprob: null },
          { token: word === "YES" ? "no" : "yes", logprob: 0.5 },
        ];
      }
      // 1e999 is how a server's JSON says infinity; JSON.parse reads it as such.
      return JSON.stringify(c).replaceAll('"__MINUS_INFINITY__"', "-1e999");
    };
    const res = await t.post("/v1/evaluations", { ...grading, response: "odd numbers" });
    expect(res.status).toBe(200);
    // The LLM port refuses the whole logprob structure of such an answer (see src/llm/answer.ts):
    // the verdicts stand, read without probabilities.
    expect(res.json.signal).toBe("none");
    expect(res.json.results.map((r: { p_yes: number | null }) => r.p_yes)).toEqual([null, null, null]);
    expect(res.json.scores.soft).toBeNull();
  });

  it("gives null, and signal none, for an item whose verdict token is not among the tokens sent — never 0.5", async () => {
    const t = makeApp(env());
    yesNoYes();
    rewrite = (c) => {
      const tokens = tokensOf(c);
      const first = tokens.findIndex(isVerdict);
      c.choices[0]!.logprobs!.content = tokens.slice(0, first + 1);
      return c;
    };
    const res = await t.post("/v1/evaluations", { ...grading, response: "cut short" });
    expect(res.status).toBe(200);
    expect(res.json.signal).toBe("none");
    expect(res.json.results.map((r: { p_yes: number | null }) => r.p_yes === null)).toEqual([false, true, true]);
    expect(res.json.scores.soft).toBeNull();
  });
});

describe("verdicts in any case", () => {
  const caseOf = (word: (v: string) => string) => (c: Completion) => {
    const m = c.choices[0]!.message;
    m.content = m.content.replace(/"verdict":"(YES|NO)"/g, (_, v: string) => `"verdict":"${word(v)}"`);
    for (const tok of c.choices[0]!.logprobs?.content ?? []) if (isVerdict(tok)) tok.token = tok.token.replace(/YES|NO/, word);
    return c;
  };

  it('reads "Yes" and "no" in json_object mode without a re-ask, and p(YES) with them', async () => {
    const t = makeApp({ ...env(), TICKBOX_STRUCTURED_OUTPUT: "json_object" });
    yesNoYes();
    rewrite = caseOf((v) => (v === "YES" ? "Yes" : "no"));
    const before = fake.calls.length;
    const res = await t.post("/v1/evaluations", { ...grading, response: "mixed case" });
    expect(res.status).toBe(200);
    expect(fake.calls.length - before).toBe(1);
    expect(res.json.results.map((r: { verdict: string }) => r.verdict)).toEqual(["YES", "NO", "YES"]);
    expect(res.json.signal).toBe("logprobs");
  });

  it("still re-asks for anything else, and answers 502 when the second answer is no better", async () => {
    const t = makeApp({ ...env(), TICKBOX_STRUCTURED_OUTPUT: "json_object" });
    yesNoYes();
    let calls = 0;
    rewrite = (c) => (calls++ === 0 ? caseOf(() => "Maybe")(c) : c);
    const fixed = await t.post("/v1/evaluations", { ...grading, response: "maybe once" });
    expect(fixed.status).toBe(200);
    expect(calls).toBe(2);
    rewrite = caseOf(() => "Y");
    const failed = await t.post("/v1/evaluations", { ...grading, response: "maybe twice" });
    expect(failed.status).toBe(502);
    expect(failed.json.code).toBe("upstream_invalid_output");
  });
});

describe("a profile applied after the upstream stops sending logprobs", () => {
  it("answers with the raw score and signal_mismatch, never a certified answer on a foreign signal", async () => {
    const t = makeApp(env());
    rewrite = (c) => c;
    const profile = (await t.post("/v1/calibrations", { name: "soft", kind: "pointwise", judge: "judge-test", examples: pointwiseExamples(600, 3) })).json;
    expect(profile).toMatchObject({ signal: "soft", calibrated: true });
    expect(profile.threshold).not.toBeNull();
    fake.answer = () => ({ verdict: "YES", p_yes: 0.999 });

    const withLogprobs = await t.post("/v1/evaluations", { ...grading, response: "graded with logprobs", calibration_id: profile.id });
    expect(withLogprobs.json.confidence).toMatchObject({ reason: "certified", abstain: false });

    fake.logprobs = "none";
    const without = await t.post("/v1/evaluations", { ...grading, response: "graded without", calibration_id: profile.id });
    expect(without.status).toBe(200);
    expect(without.json.signal).toBe("none");
    expect(without.json.confidence).toMatchObject({
      p_raw: 1,
      p_calibrated: null,
      abstain: true,
      reason: "signal_mismatch",
      threshold: null,
      guarantee: null,
      decided_by: null,
    });
    const stored = await t.post("/v1/confidence", { calibration_id: profile.id, evaluation_id: without.json.id });
    expect(stored.json).toMatchObject({ reason: "signal_mismatch", abstain: true, guarantee: null });
  });
});
