import { describe, expect, it } from "vitest";
import type { LogFields, RequestLine } from "../../src/log";
import { ADMIN_KEY, bearer, useFakeUpstream } from "../support/file-fake";
import { makeApp, upstreamEnv } from "../support/harness";
import { expectProblem } from "../support/problems";
import { makeKey } from "../support/tenants";

const fake = useFakeUpstream();

function capture() {
  const lines: LogFields[] = [];
  const push = (f: LogFields) => void lines.push(f);
  const log = { info: push, warn: push, error: push, request: (line: RequestLine) => push({ ...line }) };
  return { lines, log };
}

describe("observability where there is no Node response to write to (Workers, app.request)", () => {
  it("sets X-Request-Id on every response and logs one line per request with it", async () => {
    const { lines, log } = capture();
    const t = makeApp({ ...upstreamEnv(fake), TICKBOX_ADMIN_KEY: ADMIN_KEY }, { log });
    const key = await makeKey(t, { name: "k", tenant: "acme", scopes: ["evaluate"] });
    const answers = [
      await t.send("GET", "/healthz"),
      await t.post("/v1/evaluations", { instruction: "Hi.", response: "Hello.", checklist: { items: [{ question: "Does it greet?" }] } }, bearer(key.key)),
      await t.send("GET", "/v1/evaluations/ev_nope", undefined, bearer(key.key)),
      await t.send("PATCH", "/v1/evaluations"),
    ];
    const ids = answers.map((a) => a.headers.get("x-request-id"));
    expect(ids.every((id) => typeof id === "string" && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    const logged = lines.filter((l) => l.request_id).map((l) => l.request_id);
    expect(logged.slice(-4)).toEqual(ids);
    expect(lines.find((l) => l.request_id === ids[1])).toMatchObject({
      route: "/v1/evaluations",
      status: 200,
      tenant: "acme",
      key_id: key.id,
      cache: "miss",
      upstream_calls: 1,
    });
    expect(lines.find((l) => l.request_id === ids[3])).toMatchObject({ status: 405 });
  });

  it("names the caller of a request its key was recognised for, though the access checks refused it", async () => {
    const { lines, log } = capture();
    const t = makeApp({ ...upstreamEnv(fake), TICKBOX_ADMIN_KEY: ADMIN_KEY }, { log });
    const key = await makeKey(t, { name: "k", tenant: "acme", scopes: ["evaluate"], rate_limit_rpm: 1 });
    const refused = [
      await t.send("GET", "/v1/keys", undefined, bearer(key.key)), // 403: no admin scope
      await t.send("GET", "/v1/usage", undefined, bearer(key.key)),
      await t.send("GET", "/v1/usage", undefined, bearer(key.key)), // 429: its rate limit
      await t.send("GET", "/v1/usage", undefined, bearer("tbx_not_a_key")), // 401: nobody
    ];
    expect(refused.map((r) => r.status)).toEqual([403, 200, 429, 401]);
    const lineOf = (r: (typeof refused)[number]) => lines.find((l) => l.request_id === r.headers.get("x-request-id"));
    for (const r of [refused[0]!, refused[2]!]) expect(lineOf(r)).toMatchObject({ tenant: "acme", key_id: key.id, status: r.status });
    expect(lineOf(refused[3]!)).toMatchObject({ tenant: null, key_id: null, status: 401 });
  });

  it("ignores a malformed traceparent rather than forwarding it", async () => {
    const { lines, log } = capture();
    const t = makeApp(upstreamEnv(fake), { log });
    await t.post(
      "/v1/evaluations",
      { instruction: "Hi.", response: "Hello.", checklist: { items: [{ question: "Greets?" }] } },
      { traceparent: "00-00000000000000000000000000000000-00f067aa0ba902b7-01" },
    );
    expect(fake.calls[0]!.headers.traceparent).toBeUndefined();
    expect(lines.at(-1)!.traceparent).toBeUndefined();
  });
});

describe("/readyz", () => {
  it("answers 503 through the error catalog when the database does not answer", async () => {
    const { lines, log } = capture();
    const t = makeApp({}, { log });
    expect((await t.get("/readyz")).status).toBe(200);
    t.close();
    const res = await t.get("/readyz");
    expectProblem(res, 503, "not_ready");
    expect(lines.some((l) => l.request_id === res.headers.get("x-request-id") && l.error)).toBe(true);
  });
});

describe("an unexpected error's log line", () => {
  it("says what failed and where, not its message, which may carry request text", async () => {
    const { errorFields } = await import("../../src/log");
    const error = new Error('Failed query: insert into "evaluations" ... params: Please refund order 5521 to Ann Smith');
    const fields = JSON.stringify(errorFields(error));
    expect(fields).not.toContain("5521");
    expect(fields).not.toContain("Ann Smith");
    expect(fields).toContain('"name":"Error"');
    expect(fields).toContain("observability.test.ts");
  });
});
