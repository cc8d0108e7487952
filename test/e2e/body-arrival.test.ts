// Request bodies however the bytes arrive, over real sockets: whole with their headers (taken from
// the request's buffer at once), split anywhere and sent in pieces with pauses (read as a stream),
// chunked, several requests back to back on one connection. Each answer must be the one the same
// body gets when sent alone, and every request on the connection must be answered: nothing of one
// body lost, doubled, or read into the next request.
import { connect } from "node:net";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer } from "../../src/server";

let server: Awaited<ReturnType<typeof startServer>>;

beforeAll(async () => {
  server = await startServer({ TICKBOX_DB: ":memory:", PORT: "0", TICKBOX_LOG: "off" });
});
afterAll(() => server.stop(500));

interface Sent {
  body: string;
  chunked: boolean;
}

/** One request's bytes: with a Content-Length, or chunked in pieces of the given sizes. */
function requestBytes({ body, chunked }: Sent, pieces: number[]): Buffer {
  const bytes = Buffer.from(body);
  const head = `POST /v1/checklists HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n`;
  if (!chunked) return Buffer.concat([Buffer.from(`${head}Content-Length: ${bytes.length}\r\n\r\n`), bytes]);
  const parts: Buffer[] = [Buffer.from(`${head}Transfer-Encoding: chunked\r\n\r\n`)];
  let at = 0;
  for (const size of [...pieces, bytes.length]) {
    const piece = bytes.subarray(at, Math.min(bytes.length, at + Math.max(1, size)));
    if (piece.length === 0) break;
    parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from("\r\n"));
    at += piece.length;
  }
  parts.push(Buffer.from("0\r\n\r\n"));
  return Buffer.concat(parts);
}

/** The responses to `count` requests written as `bytes`, cut at `cuts` with `pauseMs` between writes. */
function exchange(bytes: Buffer, cuts: number[], pauseMs: number, count: number): Promise<{ status: number; body: string }[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, "127.0.0.1");
    let received = Buffer.alloc(0);
    const answers: { status: number; body: string }[] = [];
    socket.on("error", reject);
    socket.on("data", (data) => {
      received = Buffer.concat([received, data]);
      for (;;) {
        const end = received.indexOf("\r\n\r\n");
        if (end < 0) return;
        const head = received.subarray(0, end).toString("latin1");
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? Number.NaN);
        if (!(received.length >= end + 4 + length)) return;
        answers.push({ status: Number(head.split(" ")[1]), body: received.subarray(end + 4, end + 4 + length).toString() });
        received = received.subarray(end + 4 + length);
        if (answers.length === count) {
          socket.destroy();
          resolve(answers);
          return;
        }
      }
    });
    socket.once("connect", async () => {
      const points = [...new Set(cuts.map((c) => c % bytes.length))].sort((a, b) => a - b);
      let from = 0;
      for (const point of [...points, bytes.length]) {
        if (point > from) socket.write(bytes.subarray(from, point));
        from = point;
        if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
      }
    });
  });
}

const question = fc.string({ unit: "grapheme", minLength: 1, maxLength: 40 }).filter((q) => q.trim().length > 0);
const sent: fc.Arbitrary<Sent> = fc
  .record({
    instruction: fc.string({ unit: "grapheme", minLength: 1, maxLength: 30 }).filter((s) => s.trim().length > 0),
    questions: fc.array(question, { minLength: 1, maxLength: 4 }),
    // Padding in the instruction takes some bodies past one TCP segment and one socket read.
    padding: fc.constantFrom(0, 0, 2_000, 70_000),
    chunked: fc.boolean(),
  })
  .map(({ instruction, questions, padding, chunked }) => ({
    body: JSON.stringify({ instruction: `${instruction + " ".repeat(padding)}.`, items: questions.map((q) => ({ question: q })) }),
    chunked,
  }));

describe("request bodies however they arrive", () => {
  it("answers each request of a connection as it answers its body sent alone, wherever the bytes are cut", async () => {
    const alone = new Map<string, { status: number; body: string }>();
    const answerAlone = async (body: string) => {
      if (!alone.has(body)) {
        const res = await fetch(`${server.url}/v1/checklists`, { method: "POST", headers: { "content-type": "application/json" }, body });
        alone.set(body, { status: res.status, body: await res.text() });
      }
      return alone.get(body)!;
    };
    await fc.assert(
      fc.asyncProperty(
        fc.array(sent, { minLength: 1, maxLength: 3 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 4 }),
        fc.constantFrom(0, 0, 2),
        async (requests, cuts, pieces, pauseMs) => {
          const expected = await Promise.all(requests.map((r) => answerAlone(r.body)));
          const bytes = Buffer.concat(requests.map((r) => requestBytes(r, pieces)));
          const answers = await exchange(bytes, cuts, pauseMs, requests.length);
          // The same checklist, stored once: only `cached` may differ from the answer alone.
          const stored = (text: string) => ({ ...JSON.parse(text), cached: undefined });
          expect(answers.map((a) => [a.status, stored(a.body)])).toEqual(expected.map((e) => [e.status, stored(e.body)]));
        },
      ),
      { numRuns: 120 },
    );
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  }, 120_000);
});
