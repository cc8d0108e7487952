// From outside, on real server processes sharing one SQLite file: an open server turned secure,
// and the log it writes read back — one JSON line per request, naming the request, never a key or
// any request text.
import { type ChildProcess, spawn } from "node:child_process";
import { connect } from "node:net";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeUpstream, startFakeUpstream } from "../support/fake-upstream";
import { useTempDirs } from "../support/temp-dirs";

const root = resolve(import.meta.dirname, "../..");
const ADMIN = "operator-secret-6b1f0d9e2c";
const tempDir = useTempDirs("tickbox-access-");

let fake: FakeUpstream;
beforeAll(async () => {
  fake = await startFakeUpstream();
});
afterAll(() => fake.close());

/** A server process whose stdout is kept, line by line. */
async function server(env: Record<string, string>) {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", resolve(root, "src/server.ts")], {
    cwd: root,
    env: { ...process.env, OPENAI_BASE_URL: fake.baseUrl, OPENAI_API_KEY: "sk-upstream-secret", TICKBOX_JUDGE_MODEL: "judge-test", PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const poll = setInterval(() => {
      const m = /listening on (http:\/\/[^\s"]+)/.exec(out);
      if (m) {
        clearInterval(poll);
        resolveUrl(m[1]!);
      }
    }, 20);
    child.once("exit", (code) => {
      clearInterval(poll);
      reject(new Error(`server exited with ${code}: ${out}`));
    });
  });
  const send = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : undefined };
  };
  const stop = async () => {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
  };
  return { url, send, stop, output: () => out };
}

const lines = (out: string) =>
  out
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l));

const evaluation = {
  instruction: "Confirm the refund of order 5521.",
  response: "Your refund for order 5521 is on its way.",
  checklist: { items: [{ question: "Does it confirm the refund?" }] },
};

describe("an open server turned secure on the same database", () => {
  it("made no keys while open, and once secure serves its old objects to the operator alone", async () => {
    const db = join(tempDir(), "t.db");
    const open = await server({ TICKBOX_DB: db });
    const refused = await open.send("POST", "/v1/keys", { name: "anyone", scopes: ["admin"] });
    expect(refused.status).toBe(403);
    expect(refused.json.detail).toContain("TICKBOX_ADMIN_KEY");
    const graded = await open.send("POST", "/v1/evaluations", evaluation);
    expect(graded.status).toBe(200);
    await open.stop();

    const secure = await server({ TICKBOX_DB: db, TICKBOX_ADMIN_KEY: ADMIN });
    try {
      expect((await secure.send("GET", `/v1/evaluations/${graded.json.id}`)).status).toBe(401);
      expect((await secure.send("GET", "/v1/keys", undefined, { authorization: `Bearer ${ADMIN}` })).json.keys).toEqual([]);
      const asOperator = await secure.send("GET", `/v1/evaluations/${graded.json.id}`, undefined, { authorization: `Bearer ${ADMIN}` });
      expect(asOperator.status).toBe(200);
      expect(asOperator.json.passed).toBe(graded.json.passed);
      const made = await secure.send("POST", "/v1/keys", { name: "acme", scopes: ["evaluate"], tenant: "acme" }, { authorization: `Bearer ${ADMIN}` });
      expect(made.status).toBe(201);
      // A tenant's key does not see what the open server made (it belongs to "default").
      expect((await secure.send("GET", `/v1/evaluations/${graded.json.id}`, undefined, { authorization: `Bearer ${made.json.key}` })).status).toBe(404);
    } finally {
      await secure.stop();
    }
  });
});

/** Sends raw bytes on a new connection (and, unless `hold`, nothing more) and reads what comes back until the server closes it. */
function rawExchange(url: string, text: string, hold = false): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolveText, reject) => {
    const socket = connect(Number(port), hostname, () => (hold ? socket.write(text) : socket.end(text)));
    let received = "";
    socket.on("data", (d) => (received += d));
    socket.on("close", () => resolveText(received));
    socket.on("error", reject);
  });
}

describe("the request log", () => {
  it("names requests Node refuses before the app sees them: X-Request-Id on the answer, and a line in the log", async () => {
    const s = await server({ TICKBOX_DB: join(tempDir(), "t.db"), TICKBOX_ADMIN_KEY: ADMIN, TICKBOX_HEADERS_TIMEOUT_MS: "1000" });
    const answers = [
      await rawExchange(s.url, "POST /v1/evaluations HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}"),
      await rawExchange(s.url, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`),
      await rawExchange(s.url, "HELLO\r\n\r\n"),
      // Headers that never end: cut after TICKBOX_HEADERS_TIMEOUT_MS.
      await rawExchange(s.url, "GET /healthz HTTP/1.1\r\nHost: x\r\n", true),
    ];
    await s.stop();
    const requests = lines(s.output()).filter((l) => l.msg === "request");
    for (const [answer, status] of [
      [answers[0]!, 400],
      [answers[1]!, 431],
      [answers[2]!, 400],
      [answers[3]!, 408],
    ] as const) {
      expect(answer).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
      const id = /\r\nx-request-id: ([^\r]+)\r\n/i.exec(answer)?.[1];
      expect(id, answer.slice(0, 300)).toBeDefined();
      const body = JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4));
      expect(body.instance).toBe(`urn:request:${id}`);
      expect(requests.find((l) => l.request_id === id)).toMatchObject({ status, route: "unparsed", tenant: null, key_id: null, upstream_calls: 0 });
    }
    expect(s.output()).not.toContain("a".repeat(100));
  });

  it("has one JSON line per request with its id, route, status, tenant, key, cache and upstream use; never a key or request text", async () => {
    const s = await server({ TICKBOX_DB: join(tempDir(), "t.db"), TICKBOX_ADMIN_KEY: ADMIN });
    const operator = { authorization: `Bearer ${ADMIN}` };
    const made = await s.send("POST", "/v1/keys", { name: "logged", scopes: ["evaluate"], tenant: "acme" }, operator);
    const key = { authorization: `Bearer ${made.json.key}` };
    const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    fake.reset();
    const answers = [
      await s.send("POST", "/v1/evaluations", evaluation, { ...key, traceparent, "x-request-id": "caller-chosen-id" }),
      await s.send("POST", "/v1/evaluations", evaluation, key), // replayed
      await s.send("GET", "/v1/evaluations/ev_missing", undefined, key),
      await s.send("POST", "/v1/evaluations", evaluation),
      await s.send("GET", "/healthz"),
      await s.send("GET", "/nowhere"),
    ];
    await s.stop();
    // Every response names its request, successes included.
    for (const a of answers) expect(a.headers.get("x-request-id")).toMatch(/^[\w\-=.]+$/);
    expect(answers[0]!.headers.get("x-request-id")).toBe("caller-chosen-id");
    // The caller's trace context reached the upstream.
    expect(fake.calls.map((c) => c.headers.traceparent)).toEqual([traceparent]);

    const requests = lines(s.output()).filter((l) => l.request_id);
    const byId = new Map(requests.map((l) => [l.request_id, l]));
    for (const a of answers) expect(byId.has(a.headers.get("x-request-id")), a.text).toBe(true);
    expect(byId.get("caller-chosen-id")).toMatchObject({
      method: "POST",
      route: "/v1/evaluations",
      status: 200,
      tenant: "acme",
      key_id: made.json.id,
      cache: "miss",
      upstream_calls: 1,
      traceparent,
    });
    expect(byId.get("caller-chosen-id").prompt_tokens).toBe(fake.calls[0]!.usage!.prompt_tokens);
    expect(byId.get(answers[1]!.headers.get("x-request-id"))).toMatchObject({ cache: "replay", upstream_calls: 0, status: 200 });
    expect(byId.get(answers[2]!.headers.get("x-request-id"))).toMatchObject({ route: "/v1/evaluations/:id", status: 404, key_id: made.json.id });
    expect(byId.get(answers[3]!.headers.get("x-request-id"))).toMatchObject({ status: 401, key_id: null, tenant: null });
    expect(byId.get(answers[5]!.headers.get("x-request-id"))).toMatchObject({ route: "unmatched", status: 404 });
    for (const line of requests) {
      expect(Math.abs(line.time - Date.now())).toBeLessThan(120_000);
      expect(typeof line.duration_ms).toBe("number");
    }
    const log = s.output();
    for (const secret of [ADMIN, made.json.key, "sk-upstream-secret", evaluation.instruction, evaluation.response, "order 5521"]) {
      expect(log).not.toContain(secret);
    }
  });
});
