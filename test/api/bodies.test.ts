// What a client sends is checked where it enters, the same on every route and in every body
// format, in-process (the Fetch API's body) and over real HTTP (Node's IncomingMessage).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer } from "../../src/server";
import { jsonLines } from "../support/batches";
import { type Client, clientAt } from "../support/client";
import { useFakeUpstream } from "../support/file-fake";
import { makeApp, upstreamEnv } from "../support/harness";
import { expectProblem } from "../support/problems";

const fake = useFakeUpstream();

const env = () => ({ ...upstreamEnv(fake), TICKBOX_MAX_TEXT_CHARS: "1000" });
const json = { "content-type": "application/json" };
const ndjson = { "content-type": "application/x-ndjson" };
const items = [{ question: "Is it a greeting?" }];
const evaluation = { instruction: "Greet me.", response: "Hello!", checklist: { items } };
const bytes = (...parts: (string | number[])[]) => new Uint8Array(parts.flatMap((p) => (typeof p === "string" ? [...new TextEncoder().encode(p)] : p)));

/** A nested array `depth` levels deep, as JSON text (too deep for any recursive walk). */
const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth);

let server: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => {
  server = await startServer({ ...env(), TICKBOX_DB: ":memory:", PORT: "0" });
});
afterAll(() => server.stop(1000));

describe.each([
  ["in-process", () => makeApp(env(), { background: true }) as Client],
  ["over HTTP", () => clientAt(server.url)],
])("request bodies %s", (_where, client) => {
  it.each([
    ["0xff", [0xff]],
    ["0xfe", [0xfe]],
    ["an overlong slash 0xc0 0xaf", [0xc0, 0xaf]],
    ["a UTF-16 surrogate encoded in UTF-8", [0xed, 0xa0, 0x80]],
    ["a sequence cut short", [0xe2, 0x82]],
  ])("invalid UTF-8 (%s) is a 400 naming its byte offset, never read as U+FFFD", async (_name, raw) => {
    const t = client();
    // "é" before it: the offset counts bytes, not characters.
    const head = '{"instruction":"Greet me, café.","response":"ok ';
    const offset = new TextEncoder().encode(head).length;
    const body = bytes(head, raw, '","checklist":{"items":[{"question":"Is it a greeting?"}]}}');
    const res = await t.send("POST", "/v1/evaluations", body, json);
    expectProblem(res, 400, "invalid_json");
    expect(res.json.detail).toContain(`offset ${offset}`);
  });

  it("U+FFFD itself, escaped or as its UTF-8 bytes, is just a character", async () => {
    const t = client();
    const escaped = await t.send(
      "POST",
      "/v1/evaluations",
      '{"instruction":"Greet me.","response":"ok \\uFFFD","checklist":{"items":[{"question":"Hi?"}]}}',
      json,
    );
    const raw = await t.send(
      "POST",
      "/v1/evaluations",
      bytes('{"instruction":"Greet me.","response":"ok ', [0xef, 0xbf, 0xbd], '","checklist":{"items":[{"question":"Hi?"}]}}'),
      json,
    );
    expect(escaped.status).toBe(200);
    expect(raw.json.id).toBe(escaped.json.id);
  });

  it.each([
    ["in a value", '{"instruction":"Greet me.","response":"ok \\ud800","checklist":{"items":[{"question":"Hi?"}]}}', "/response"],
    ["a low one alone", '{"instruction":"Greet me.","response":"\\udc00 ok","checklist":{"items":[{"question":"Hi?"}]}}', "/response"],
    ["in a question", '{"instruction":"Greet me.","response":"ok","checklist":{"items":[{"question":"Hi\\ud83d?"}]}}', "/checklist/items/0/question"],
  ])("a lone surrogate %s is a 422 pointing at it", async (_name, body, path) => {
    const t = client();
    const res = await t.send("POST", "/v1/evaluations", body, json);
    expectProblem(res, 422, "validation_failed");
    expect(res.json.errors).toEqual([{ path, message: expect.stringContaining("lone surrogate") }]);
  });

  it("a surrogate pair (an emoji) is fine", async () => {
    const res = await client().send(
      "POST",
      "/v1/evaluations",
      '{"instruction":"Greet me.","response":"Hello \\ud83d\\ude00","checklist":{"items":[{"question":"Hi?"}]}}',
      json,
    );
    expect(res.status).toBe(200);
  });

  it.each([
    "/v1/evaluations",
    "/v1/checklists",
    "/v1/selections",
    "/v1/comparisons",
    "/v1/refinements",
    "/v1/calibrations",
    "/v1/confidence",
    "/v1/batches",
    "/v1/integrations/promptfoo",
  ])("nesting 20,000 deep is a 422 on %s, and the service stays up", async (path) => {
    const t = client();
    for (const body of [
      `{"output":${nested(20_000)},"context":{"prompt":"Hi","vars":{"x":${nested(20_000)}}}}`,
      `{"instruction":"Hi","deep":${nested(20_000)}}`,
      nested(20_000),
    ]) {
      const res = await t.send("POST", path, body, json);
      expect(res.status, `${path} ${body.slice(0, 30)}: ${res.text.slice(0, 200)}`).toBe(422);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
    }
    expect((await t.get("/healthz")).status).toBe(200);
  });

  it("says where nesting goes too deep", async () => {
    const res = await client().send("POST", "/v1/integrations/promptfoo", `{"output":${nested(100)},"context":{"prompt":"Hi"}}`, json);
    expectProblem(res, 422, "validation_failed");
    expect(res.json.errors[0]).toEqual({ path: `/output${"/0".repeat(63)}`, message: "nested deeper than 64 levels" });
  });

  it.each([
    ["/v1/evaluations", { ...evaluation, response: "   " }, "/response"],
    ["/v1/selections", { instruction: "Greet me.", candidates: ["Hello!", " \n\t "] }, "/candidates/1"],
    ["/v1/comparisons", { instruction: "Greet me.", a: "Hello!", b: "  " }, "/b"],
    ["/v1/refinements", { instruction: "Greet me.", response: "  " }, "/response"],
    ["/v1/integrations/promptfoo", { output: "   ", context: { prompt: "Greet me." } }, "/output"],
  ])("a blank response is refused by %s", async (path, body, pointer) => {
    const res = await client().post(path, body);
    expectProblem(res, 422, "validation_failed");
    expect(res.json.errors).toContainEqual({ path: pointer, message: "must not be empty" });
  });

  it("a blank response is refused in a batch item too, in either body format", async () => {
    const t = client();
    const item = { ...evaluation, response: "   " };
    for (const [body, headers] of [
      [[item], json],
      [jsonLines([item]), ndjson],
    ] as const) {
      const res = await t.send("POST", "/v1/batches", typeof body === "string" ? body : JSON.stringify(body), headers);
      expectProblem(res, 422, "validation_failed");
      expect(res.json.errors[0].path).toBe("/0/response");
    }
  });

  it.each(["0x10", "1e1", " 8", "8.0", "", "+8", "0b11"])("?concurrency=%j is refused: integers in query strings are decimal", async (value) => {
    const res = await client().post(`/v1/batches?concurrency=${encodeURIComponent(value)}`, [evaluation]);
    expectProblem(res, 422, "validation_failed");
    expect(res.json.errors[0].path).toBe("/concurrency");
  });

  it("?concurrency=16 is read as 16", async () => {
    const res = await client().post("/v1/batches?concurrency=16", [{ ...evaluation, custom_id: "decimal" }]);
    expect(res.status).toBe(202);
    expect(res.json.concurrency).toBe(16);
  });

  it.each(["application/x-ndjson", "application/jsonl", "application/x-jsonlines", "application/jsonl; charset=utf-8"])(
    "%s is taken as JSON Lines by the middleware and the route alike",
    async (type) => {
      const res = await client().send("POST", "/v1/batches", jsonLines([{ ...evaluation, custom_id: type }]), { "content-type": type });
      expect(res.status).toBe(202);
    },
  );

  it("text limits apply to JSON Lines exactly as to a JSON array", async () => {
    const t = client();
    const body = [evaluation, { ...evaluation, instruction: "x".repeat(1001) }, { ...evaluation, response: "y".repeat(1200) }];
    const asArray = await t.post("/v1/batches", body);
    const asLines = await t.send("POST", "/v1/batches", jsonLines(body), ndjson);
    expectProblem(asArray, 422, "limit_exceeded");
    expectProblem(asLines, 422, "limit_exceeded");
    expect(asArray.json.errors.map((e: any) => e.path)).toEqual(["/1/instruction", "/2/response"]);
    expect(asLines.json.errors.map((e: any) => e.path)).toEqual(["/1/instruction", "/2/response"]);
  });
});
