// Splitting a batch body into items as its bytes arrive, whatever the chunk boundaries: every
// element of a JSON array (strings with escapes, quotes and brackets inside them, nesting) and
// every non-blank line of JSON Lines comes out whole, at its byte offset; malformed arrays are a 400.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type ItemBytes, splitArray, splitLines } from "../../src/batches/split";
import type { ProblemError } from "../../src/errors";

/** The bytes cut at the given points (taken modulo the length), as a stream of chunks. */
async function* cut(bytes: Uint8Array, points: number[]): AsyncGenerator<Uint8Array> {
  const at = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  let from = 0;
  for (const p of [...at, bytes.length]) {
    if (p > from) yield bytes.subarray(from, p);
    from = Math.max(from, p);
  }
}

async function all(items: AsyncIterable<ItemBytes>): Promise<ItemBytes[]> {
  const out: ItemBytes[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const decoder = new TextDecoder();
const value = fc.jsonValue({ maxDepth: 4 });
// Strings made to trouble a scanner: escaped quotes and backslashes, brackets and commas, non-ASCII.
const tricky = fc.array(fc.constantFrom('"', "\\", "[", "]", "{", "}", ",", "\n", "é", "😀", "a", " "), { maxLength: 12 }).map((cs) => cs.join(""));
const element = fc.oneof(value, tricky, fc.array(tricky, { maxLength: 3 }), fc.dictionary(tricky, tricky, { maxKeys: 3 }));

describe("splitArray", () => {
  it("yields each element whole, at its offset, however the bytes are cut", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(element, { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.constantFrom("", " ", "\n  "),
        async (elements, points, space) => {
          const text = `${space}[${space}${elements.map((e) => JSON.stringify(e)).join(`${space},${space}`)}${space}]${space}`;
          const bytes = new TextEncoder().encode(text);
          const items = await all(splitArray(cut(bytes, points), 1 << 20));
          expect(items.map((i) => JSON.parse(decoder.decode(i.bytes)))).toEqual(JSON.parse(JSON.stringify(elements)));
          expect(items.map((i) => i.index)).toEqual(elements.map((_, n) => n));
          for (const item of items) expect(decoder.decode(bytes.subarray(item.offset, item.offset + item.bytes.length))).toBe(decoder.decode(item.bytes));
        },
      ),
      { numRuns: 500 },
    );
  });

  it.each([
    ["[1,2", "does not end"],
    ["[1,2]]", "after the array"],
    ["[1}", "unmatched }"],
    ["[1] x", "after the array"],
  ])("%j is a 400", async (text, message) => {
    const error = (await all(splitArray(cut(new TextEncoder().encode(text), []), 100)).catch((e) => e)) as ProblemError;
    expect(error.code).toBe("invalid_json");
    expect(error.detail).toContain(message);
  });

  it("an element past the size limit is marked, not kept, and the next one is whole", async () => {
    const text = JSON.stringify(["x".repeat(500), "small"]);
    const items = await all(splitArray(cut(new TextEncoder().encode(text), [100, 300]), 100));
    expect(items.map((i) => [i.tooLarge, i.bytes.length])).toEqual([
      [true, 0],
      [false, 7],
    ]);
  });
});

describe("splitLines", () => {
  it("yields each non-blank line whole, at its offset and line number, however the bytes are cut", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(element, fc.constant(null)), { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.constantFrom("\n", "\r\n"),
        async (rows, points, end) => {
          // null stands for a blank line.
          const text = rows.map((r) => (r === null ? " " : JSON.stringify(r))).join(end);
          const items = await all(splitLines(cut(new TextEncoder().encode(text), points), 1 << 20));
          const kept = rows.flatMap((r, n) => (r === null ? [] : [{ r, line: n + 1 }]));
          expect(items.map((i) => JSON.parse(decoder.decode(i.bytes)))).toEqual(JSON.parse(JSON.stringify(kept.map((k) => k.r))));
          expect(items.map((i) => i.line)).toEqual(kept.map((k) => k.line));
        },
      ),
      { numRuns: 500 },
    );
  });
});
