// Slow and greedy clients over real sockets: a trickled body is cut with a 408 problem and its
// connection closed; so are slow headers and idle connections; connections past the cap are
// refused; a large body arriving steadily is not cut; and the server serves throughout.
import { type Socket, connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startServer } from "../../src/server";
import { infobenchItems } from "../support/batches";
import { useFakeUpstream } from "../support/file-fake";
import { upstreamEnv } from "../support/harness";

const fake = useFakeUpstream();
let server: Awaited<ReturnType<typeof startServer>>;
let port: number;

beforeAll(async () => {
  server = await startServer({
    ...upstreamEnv(fake),
    TICKBOX_DB: ":memory:",
    PORT: "0",
    TICKBOX_HEADERS_TIMEOUT_MS: "1000",
    TICKBOX_REQUEST_TIMEOUT_MS: "1500",
    TICKBOX_MAX_CONNECTIONS: "20",
  });
  port = server.port;
});
afterAll(() => server.stop(500));

/** A raw connection: what it has received, and when it closed. */
interface Raw {
  socket: Socket;
  received: () => string;
  closed: Promise<number>;
}

function open(): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let data = "";
    const opened = Date.now();
    socket.on("data", (d) => (data += d));
    socket.on("error", () => {});
    const closed = new Promise<number>((done) => socket.on("close", () => done(Date.now() - opened)));
    socket.once("connect", () => resolve({ socket, received: () => data, closed }));
    socket.once("error", reject);
  });
}

/** Writes `text` a byte every `everyMs` until it is written or the connection closes. */
async function trickle(raw: Raw, text: string, everyMs: number): Promise<void> {
  for (const ch of text) {
    if (raw.socket.destroyed || raw.socket.writableEnded) return;
    raw.socket.write(ch);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

const problemIn = (response: string) => JSON.parse(response.slice(response.indexOf("\r\n\r\n") + 4));

const body = JSON.stringify({ instruction: "Greet me.", response: "Hello!", checklist: { items: [{ question: "Is it a greeting?" }] } });
const head = (length: number, path = "/v1/evaluations") =>
  `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;

describe("slow clients over real sockets", () => {
  it("a trickled body is cut with a 408 problem and its connection is closed", async () => {
    const raw = await open();
    raw.socket.write(head(Buffer.byteLength(body)));
    void trickle(raw, body, 50);
    const after = await raw.closed;
    const response = raw.received();
    expect(response).toMatch(/^HTTP\/1\.1 408 /);
    expect(response.toLowerCase()).toContain("content-type: application/problem+json");
    expect(response.toLowerCase()).toContain("connection: close");
    expect(problemIn(response)).toMatchObject({ status: 408, code: "request_timeout" });
    // Cut near the limit (1.5 s), far before the whole body (about 5 s at this pace) arrived.
    expect(after).toBeLessThan(4000);
    expect(fake.calls).toHaveLength(0);
  });

  it("slow headers and a connection that sends nothing are closed, with a 408 problem", async () => {
    const slow = await open();
    void trickle(slow, head(10), 100);
    const idle = await open();
    await Promise.all([slow.closed, idle.closed]);
    expect(slow.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(problemIn(slow.received())).toMatchObject({ status: 408, code: "request_timeout" });
  });

  it("connections past TICKBOX_MAX_CONNECTIONS are refused at once; the trickling ones are all cut; then it serves", async () => {
    const raws = await Promise.all(Array.from({ length: 30 }, () => open()));
    for (const raw of raws) {
      raw.socket.write(head(Buffer.byteLength(body)));
      void trickle(raw, body, 100);
    }
    const lives = await Promise.all(raws.map((r) => r.closed));
    const refused = raws.filter((r) => r.received() === "");
    const cut = raws.filter((r) => r.received().startsWith("HTTP/1.1 408"));
    expect(refused.length).toBeGreaterThanOrEqual(10);
    expect(cut.length + refused.length).toBe(30);
    expect(Math.max(...lives)).toBeLessThan(5000);
    const res = await fetch(`${server.url}/v1/evaluations`, { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(res.status).toBe(200);
  });

  it("a large batch body arriving at a steady 2 MiB/s is not cut, though it takes longer than the base limit", async () => {
    const items = infobenchItems(3000);
    const text = JSON.stringify(items);
    expect(text.length).toBeGreaterThan(3 * 1024 * 1024);
    const raw = await open();
    raw.socket.write(head(Buffer.byteLength(text), "/v1/batches"));
    const bytes = Buffer.from(text);
    const slice = 64 * 1024;
    const started = Date.now();
    for (let at = 0; at < bytes.length; at += slice) {
      raw.socket.write(bytes.subarray(at, at + slice));
      await new Promise((r) => setTimeout(r, 31));
    }
    await new Promise<void>((resolve) => {
      const check = () => (raw.received().includes("\r\n\r\n") ? resolve() : setTimeout(check, 20));
      check();
    });
    expect(Date.now() - started).toBeGreaterThan(1500);
    expect(raw.received()).toMatch(/^HTTP\/1\.1 202 /);
    raw.socket.destroy();
    await server.services.batches?.stop();
  });

  it.each([
    ["a Content-Length that is not a number", "POST /v1/evaluations HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}", 400, "malformed_request"],
    ["two Content-Lengths", "POST /v1/evaluations HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}", 400, "malformed_request"],
    [
      "broken chunked framing",
      "POST /v1/evaluations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n",
      400,
      "malformed_request",
    ],
    ["headers of 20 kB", `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`, 431, "headers_too_large"],
    ["not HTTP at all", "HELLO\r\n\r\n", 400, "malformed_request"],
  ])("%s: a problem, not Node's bare status line nor an internal error, and the server serves on", async (_name, text, status, code) => {
    const errors = vi.spyOn(console, "error");
    const raw = await open();
    raw.socket.write(text);
    await raw.closed;
    expect(raw.received()).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    expect(problemIn(raw.received())).toMatchObject({ status, code });
    expect(errors).not.toHaveBeenCalled();
    errors.mockRestore();
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});
