import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "./fake-upstream";
import { tokenize } from "./fake-tokens";
import { remoteControl } from "./fake-control";

let fake: FakeUpstream;

beforeAll(async () => {
  fake = await startFakeUpstream();
});
beforeEach(() => fake.reset());
afterAll(async () => {
  await fake.close();
});

const checklistSchema = {
  title: "tickbox_checklist",
  type: "object",
  properties: { analysis: { type: "string" }, items: { type: "array" } },
  required: ["analysis", "items"],
};

function gradingSchema(ids: string[], rationale = true) {
  const item = {
    type: "object",
    properties: {
      ...(rationale ? { rationale: { type: "string" } } : {}),
      verdict: { type: "string", enum: ["YES", "NO"] },
    },
    required: rationale ? ["rationale", "verdict"] : ["verdict"],
  };
  return {
    title: "tickbox_grading",
    type: "object",
    properties: Object.fromEntries(ids.map((id) => [id, item])),
    required: ids,
    additionalProperties: false,
  };
}

function jsonSchemaFormat(schema: object) {
  return { type: "json_schema", json_schema: { name: "answer", strict: true, schema } };
}

async function post(body: unknown, init: RequestInit = {}) {
  return fetch(`${fake.baseUrl}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer test-key" },
    body: typeof body === "string" ? body : JSON.stringify(body),
    ...init,
  });
}

async function chat(body: Record<string, unknown>) {
  const res = await post({ model: "judge-model", messages: [{ role: "user", content: "Grade this." }], ...body });
  expect(res.status).toBe(200);
  return (await res.json()) as any;
}

interface Tok {
  token: string;
  logprob: number;
  bytes: number[];
  top_logprobs: { token: string; logprob: number; bytes: number[] }[];
}

/** Tokens that carry a verdict (their alternatives include a NO or YES form). */
function verdictTokens(tokens: Tok[]): Tok[] {
  return tokens.filter((t) => t.top_logprobs.length > 1);
}

function yesMass(t: Tok, forms: string[]) {
  return t.top_logprobs.filter((a) => forms.includes(a.token)).reduce((s, a) => s + Math.exp(a.logprob), 0);
}

describe("request classification", () => {
  it("answers a checklist request identified by response_format", async () => {
    const data = await chat({ response_format: jsonSchemaFormat(checklistSchema) });
    expect(data.object).toBe("chat.completion");
    expect(data.model).toBe("judge-model");
    expect(data.choices[0].finish_reason).toBe("stop");
    expect(data.choices[0].logprobs).toBeNull();
    const content = JSON.parse(data.choices[0].message.content);
    expect(typeof content.analysis).toBe("string");
    expect(content.items).toEqual(fake.checklist);
    expect(content.items.map((i: any) => i.weight)).toEqual([100, 75, 50]);
    expect(fake.calls[0]!.kind).toBe("checklist");
    expect(data.usage.completion_tokens).toBeGreaterThan(0);
    expect(data.usage.total_tokens).toBe(data.usage.prompt_tokens + data.usage.completion_tokens);
  });

  it("finds a fenced schema in a message", async () => {
    fake.checklist = [{ question: "Is it in French?", weight: 60, must_pass: true }];
    const prompt = `Write a checklist.\n\n\`\`\`schema\n${JSON.stringify(checklistSchema, null, 2)}\n\`\`\`\nAnswer with JSON only.`;
    const data = await chat({
      messages: [
        { role: "system", content: "You are a judge." },
        { role: "user", content: prompt },
      ],
    });
    expect(JSON.parse(data.choices[0].message.content).items).toEqual(fake.checklist);
    expect(fake.calls[0]!.kind).toBe("checklist");
    expect(data.usage.prompt_tokens).toBe(Math.ceil(("You are a judge.".length + prompt.length) / 4));
  });

  it("treats requests without a known schema as other", async () => {
    fake.text = "Plain words.";
    const data = await chat({ response_format: jsonSchemaFormat({ ...checklistSchema, title: "something_else" }) });
    expect(data.choices[0].message.content).toBe("Plain words.");
    const plain = await chat({});
    expect(plain.choices[0].message.content).toBe("Plain words.");
    expect(fake.calls.map((c) => c.kind)).toEqual(["other", "other"]);
  });

  it("answers a comparison with FIRST or SECOND, p(FIRST) on the answer token, both in split and fused tokens", async () => {
    const comparison = {
      title: "tickbox_comparison",
      type: "object",
      properties: { rationale: { type: "string" }, better: { type: "string", enum: ["FIRST", "SECOND"] } },
    };
    fake.compare = () => ({ better: "SECOND", p_first: 0.25 });
    for (const mode of ["split", "fused"] as const) {
      fake.logprobs = mode;
      const data = await chat({ response_format: jsonSchemaFormat(comparison), logprobs: true, top_logprobs: 5 });
      expect(JSON.parse(data.choices[0].message.content)).toEqual({ rationale: "The second response is better.", better: "SECOND" });
      const [token] = verdictTokens(data.choices[0].logprobs.content);
      expect(token!.token.replace('"', "")).toBe("SECOND");
      const first = yesMass(token!, ["FIRST", "First", '"FIRST', '"First']);
      const second = yesMass(token!, ["SECOND", "Second", '"SECOND', '"Second']);
      expect(first / (first + second)).toBeCloseTo(0.25, 6);
    }
    expect(fake.calls.map((c) => c.kind)).toEqual(["comparison", "comparison"]);
  });

  it("makes plain text from the call when text is a function", async () => {
    fake.text = (call) => `echo ${call.body.messages[0].content}`;
    const data = await chat({});
    expect(data.choices[0].message.content).toBe("echo Grade this.");
  });

  it("serves the model list", async () => {
    const res = await fetch(`${fake.baseUrl}/models`);
    const data = (await res.json()) as any;
    expect(data.object).toBe("list");
    expect(data.data.length).toBeGreaterThan(0);
  });
});

describe("grading", () => {
  const ids = ["c1", "c2", "c3"];

  it("returns one verdict per item in order, with rationale first when asked", async () => {
    fake.answer = (id, index) => (index === 1 ? { verdict: "NO", rationale: `no for ${id}` } : { verdict: "YES" });
    const data = await chat({ response_format: jsonSchemaFormat(gradingSchema(ids)) });
    const text: string = data.choices[0].message.content;
    expect(Object.keys(JSON.parse(text))).toEqual(ids);
    expect(JSON.parse(text).c2).toEqual({ rationale: "no for c2", verdict: "NO" });
    expect(text.indexOf('"rationale"')).toBeLessThan(text.indexOf('"verdict"'));
    const bare = await chat({ response_format: jsonSchemaFormat(gradingSchema(ids, false)) });
    expect(JSON.parse(bare.choices[0].message.content)).toEqual({ c1: { verdict: "YES" }, c2: { verdict: "NO" }, c3: { verdict: "YES" } });
  });

  it("passes id, index and call to the answer function", async () => {
    const seen: [string, number, string][] = [];
    fake.answer = (id, index, call) => {
      seen.push([id, index, call.kind]);
      return { verdict: "YES" };
    };
    await chat({ response_format: jsonSchemaFormat(gradingSchema(ids)) });
    expect(seen).toEqual([
      ["c1", 0, "grading"],
      ["c2", 1, "grading"],
      ["c3", 2, "grading"],
    ]);
  });

  it("split mode: the verdict word is its own token and YES mass matches p_yes", async () => {
    const ps = [0.8, 0.3, 0.97];
    fake.answer = (_id, i) => ({ verdict: ps[i]! >= 0.5 ? "YES" : "NO", p_yes: ps[i] });
    const data = await chat({ response_format: jsonSchemaFormat(gradingSchema(ids)), logprobs: true, top_logprobs: 5 });
    const tokens: Tok[] = data.choices[0].logprobs.content;
    expect(tokens.map((t) => t.token).join("")).toBe(data.choices[0].message.content);
    expect(data.usage.completion_tokens).toBe(tokens.length);
    for (const t of tokens) expect(t.bytes).toEqual([...Buffer.from(t.token, "utf8")]);
    const vt = verdictTokens(tokens);
    expect(vt.map((t) => t.token)).toEqual(["YES", "NO", "YES"]);
    vt.forEach((t, i) => {
      const at = tokens.indexOf(t);
      expect(tokens[at - 1]!.token.endsWith('"')).toBe(true);
      expect(tokens[at + 1]!.token.startsWith('"')).toBe(true);
      expect(t.top_logprobs).toHaveLength(5);
      const sorted = [...t.top_logprobs].sort((a, b) => b.logprob - a.logprob);
      expect(t.top_logprobs).toEqual(sorted);
      expect(t.logprob).toBe(t.top_logprobs.find((a) => a.token === t.token)!.logprob);
      expect(yesMass(t, ["YES", "Yes"])).toBeCloseTo(ps[i]!, 6);
      expect(yesMass(t, ["NO", "No"])).toBeCloseTo(1 - ps[i]!, 6);
    });
  });

  it("fused mode: the opening quote is part of the verdict token", async () => {
    fake.logprobs = "fused";
    fake.answer = (_id, i) => (i === 2 ? { verdict: "NO", p_yes: 0.25 } : { verdict: "YES", p_yes: 0.6 });
    const data = await chat({ response_format: jsonSchemaFormat(gradingSchema(ids)), logprobs: true, top_logprobs: 4 });
    const tokens: Tok[] = data.choices[0].logprobs.content;
    expect(tokens.map((t) => t.token).join("")).toBe(data.choices[0].message.content);
    const vt = verdictTokens(tokens);
    expect(vt.map((t) => t.token)).toEqual(['"YES', '"YES', '"NO']);
    expect(vt[0]!.top_logprobs.map((a) => a.token)).toEqual(['"YES', '"NO', '"Yes', '"No']);
    expect(yesMass(vt[2]!, ['"YES', '"Yes'])).toBeCloseTo(0.25, 6);
    expect(tokens[tokens.indexOf(vt[0]!) - 1]!.token.endsWith('"')).toBe(false);
  });

  it("defaults p_yes from the verdict and pads top_logprobs with fillers", async () => {
    fake.answer = (_id, i) => ({ verdict: i === 0 ? "YES" : "NO" });
    const data = await chat({ response_format: jsonSchemaFormat(gradingSchema(["a", "b"])), logprobs: true, top_logprobs: 8 });
    const vt = verdictTokens(data.choices[0].logprobs.content);
    expect(Math.exp(vt[0]!.logprob)).toBeCloseTo(0.9 * 0.95, 6);
    expect(Math.exp(vt[1]!.logprob)).toBeCloseTo(0.9 * 0.95, 6);
    expect(vt[1]!.token).toBe("NO");
    expect(vt[0]!.top_logprobs).toHaveLength(8);
    expect(vt[0]!.top_logprobs.at(-1)!.logprob).toBeLessThan(-11);
  });

  it("clamps extreme probabilities", async () => {
    fake.answer = () => ({ verdict: "YES", p_yes: 1 });
    const data = await chat({ response_format: jsonSchemaFormat(gradingSchema(["a"])), logprobs: true });
    const t = verdictTokens(data.choices[0].logprobs.content)[0]!;
    for (const a of t.top_logprobs) expect(Number.isFinite(a.logprob)).toBe(true);
  });

  it("omit_no leaves every NO form out of top_logprobs", async () => {
    fake.answer = () => ({ verdict: "YES", p_yes: 0.7, omit_no: true });
    const data = await chat({ response_format: jsonSchemaFormat(gradingSchema(ids)), logprobs: true, top_logprobs: 10 });
    for (const t of verdictTokens(data.choices[0].logprobs.content)) {
      expect(t.top_logprobs.some((a) => /^"?(NO|No)$/.test(a.token))).toBe(false);
      expect(yesMass(t, ["YES", "Yes"])).toBeCloseTo(0.7, 6);
    }
  });

  it("returns no logprobs when not requested or mode is none", async () => {
    const format = jsonSchemaFormat(gradingSchema(ids));
    expect((await chat({ response_format: format })).choices[0].logprobs).toBeNull();
    fake.logprobs = "none";
    expect((await chat({ response_format: format, logprobs: true })).choices[0].logprobs).toBeNull();
  });

  it("tokenises multi-byte text without splitting characters", () => {
    const tokens = tokenize(['{"é✓😀":{"verdict":"', { verdict: "YES" }, '"}}'], "split", 2);
    expect(tokens.map((t) => t.token).join("")).toBe('{"é✓😀":{"verdict":"YES"}}');
    for (const t of tokens) expect(Buffer.from(t.bytes).toString("utf8")).toBe(t.token);
  });
});

describe("faults", () => {
  it("status: error body and Retry-After header", async () => {
    fake.enqueue({ kind: "status", status: 429, retryAfter: "2" }, { kind: "status", status: 503, body: { custom: true } });
    const res = await post({ model: "m", messages: [] });
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("2");
    const body = (await res.json()) as any;
    expect(body.error).toMatchObject({ type: expect.any(String), code: "rate_limit_exceeded" });
    expect(typeof body.error.message).toBe("string");
    const res2 = await post({ model: "m", messages: [] });
    expect(res2.status).toBe(503);
    expect(res2.headers.get("retry-after")).toBeNull();
    expect(await res2.json()).toEqual({ custom: true });
    expect((await post({ model: "m", messages: [] })).status).toBe(200);
  });

  it("reset: the connection is destroyed without a response", async () => {
    fake.enqueue({ kind: "reset" });
    await expect(post({ model: "m", messages: [] })).rejects.toThrow();
    expect((await post({ model: "m", messages: [] })).status).toBe(200);
    expect(fake.calls).toHaveLength(2);
  });

  it("hang: never answers until the client gives up", async () => {
    fake.enqueue({ kind: "hang" });
    const started = Date.now();
    await expect(post({ model: "m", messages: [] }, { signal: AbortSignal.timeout(200) })).rejects.toThrow(/abort|timeout/i);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect((await post({ model: "m", messages: [] })).status).toBe(200);
  });

  it("truncated: a 200 JSON body cut in the middle", async () => {
    fake.enqueue({ kind: "truncated" });
    const res = await post({ model: "m", messages: [], response_format: jsonSchemaFormat(checklistSchema) });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    const text = await res.text();
    expect(text.startsWith('{"id":"chatcmpl-')).toBe(true);
    expect(() => JSON.parse(text)).toThrow();
  });

  it("content: exactly the given content, without logprobs", async () => {
    fake.enqueue({ kind: "content", content: "I think YES, mostly." });
    const data = await chat({ response_format: jsonSchemaFormat(gradingSchema(["a"])), logprobs: true });
    expect(data.choices[0].message.content).toBe("I think YES, mostly.");
    expect(data.choices[0].logprobs).toBeNull();
    expect(fake.calls[0]!.kind).toBe("grading");
  });

  it("invalid JSON gets a 400 error", async () => {
    const res = await post("{not json");
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.type).toBe("invalid_request_error");
  });

  it("reset() clears the queue and restores defaults", async () => {
    fake.enqueue({ kind: "status", status: 500 });
    fake.text = "changed";
    fake.latencyMs = 1000;
    fake.reset();
    const data = await chat({});
    expect(data.choices[0].message.content).toBe("A revised response.");
    expect(fake.latencyMs).toBe(0);
    expect(fake.logprobs).toBe("split");
    expect(fake.calls).toHaveLength(1);
  });
});

describe("latency and bookkeeping", () => {
  it("waits at least latencyMs before answering, faults included", async () => {
    fake.latencyMs = 120;
    let started = Date.now();
    await chat({});
    expect(Date.now() - started).toBeGreaterThanOrEqual(115);
    fake.enqueue({ kind: "status", status: 500 });
    started = Date.now();
    expect((await post({ model: "m", messages: [] })).status).toBe(500);
    expect(Date.now() - started).toBeGreaterThanOrEqual(115);
  });

  it("survives clients that abort while it waits", async () => {
    fake.latencyMs = 300;
    const aborted = Array.from({ length: 5 }, () => post({ model: "m", messages: [] }, { signal: AbortSignal.timeout(50) }).catch((e: unknown) => e));
    for (const r of await Promise.all(aborted)) expect(r).toBeInstanceOf(Error);
    fake.latencyMs = 0;
    expect((await post({ model: "m", messages: [] })).status).toBe(200);
    expect(fake.calls).toHaveLength(6);
  });

  it("records every request with body, headers and kind", async () => {
    fake.enqueue({ kind: "status", status: 500 });
    await post({ model: "a", messages: [{ role: "user", content: "one" }] });
    await chat({ response_format: jsonSchemaFormat(checklistSchema) });
    expect(fake.calls.map((c) => c.kind)).toEqual(["other", "checklist"]);
    expect(fake.calls[0]!.body.model).toBe("a");
    expect(fake.calls[0]!.headers.authorization).toBe("Bearer test-key");
  });

  it("close() ends hanging requests and a new fake starts on another port", async () => {
    const other = await startFakeUpstream({ latencyMs: 5, logprobs: "fused" });
    expect(other.baseUrl).not.toBe(fake.baseUrl);
    expect(other.logprobs).toBe("fused");
    other.enqueue({ kind: "hang" });
    const pending = fetch(`${other.baseUrl}/chat/completions`, { method: "POST", body: "{}" }).catch((e: unknown) => e);
    while (other.calls.length === 0) await new Promise((r) => setTimeout(r, 5));
    await other.close();
    expect(await pending).toBeInstanceOf(Error);
  });

  it("is scripted over HTTP under /_control/, for tests that cannot reach the object", async () => {
    const control = remoteControl(fake.baseUrl);
    await control.script({
      faults: [{ kind: "status", status: 503 }],
      answers: [{ verdict: "NO", p_yes: 0.2 }],
      checklist: [{ question: "Is it remote?", weight: 10, must_pass: false }],
    });
    expect((await post({ model: "a", messages: [] })).status).toBe(503);
    const graded = await chat({ response_format: jsonSchemaFormat(gradingSchema(["q1", "q2"])) });
    expect(graded.choices[0].message.content).toMatch(/"q1":\{[^}]*"verdict":"NO"/);
    expect(graded.choices[0].message.content).toMatch(/"q2":\{[^}]*"verdict":"YES"/);
    const listed = await chat({ response_format: jsonSchemaFormat(checklistSchema) });
    expect(JSON.parse(listed.choices[0].message.content).items[0].question).toBe("Is it remote?");
    const calls = await control.calls();
    expect(calls.map((c) => c.kind)).toEqual(["other", "grading", "checklist"]);
    expect(calls[1]!.usage!.completion_tokens).toBeGreaterThan(0);
    await control.reset();
    expect(await control.calls()).toEqual([]);
    expect(fake.checklist[0]!.question).not.toBe("Is it remote?");
  });
});
