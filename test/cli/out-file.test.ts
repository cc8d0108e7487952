import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { syncFile } from "../../src/cli/out-file";
import { useTempDirs } from "../support/temp-dirs";

const tempDir = useTempDirs("tickbox-out-");

/** `bytes` cut into chunks at the given points, as a stream delivers them. */
async function* chunked(bytes: Uint8Array, cuts: number[]): AsyncIterable<Uint8Array> {
  let from = 0;
  for (const cut of [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)) {
    if (cut > from) yield bytes.subarray(from, cut);
    from = Math.max(from, cut);
  }
  if (from < bytes.length) yield bytes.subarray(from);
}

/** Result lines of a batch: line i is item i. */
const lineOf = (i: number, variant = "") => `{"custom_id":"c${i}","index":${i},"evaluation":{"score":${i % 7}${variant}}}\n`;

describe("syncFile", () => {
  it("leaves the file equal to the stream, whatever it held before and however the stream is cut", async () => {
    const dir = tempDir();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 300 }),
        fc.uint8Array({ maxLength: 300 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.boolean(),
        async (before, target, cuts, exists) => {
          const path = join(dir, `f${run++}`);
          if (exists) writeFileSync(path, before);
          const size = await syncFile(path, chunked(target, cuts));
          expect(size).toBe(target.length);
          expect(new Uint8Array(readFileSync(path))).toEqual(target);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("finished items with gaps, then every item: the file ends as the full results, its common prefix untouched", async () => {
    const dir = tempDir();
    await fc.assert(
      fc.asyncProperty(fc.array(fc.boolean(), { minLength: 1, maxLength: 40 }), fc.array(fc.nat(), { maxLength: 6 }), async (finished, cuts) => {
        const path = join(dir, "results.jsonl");
        const partial = finished.map((done, i) => (done ? lineOf(i) : "")).join("");
        writeFileSync(path, partial);
        const full = finished.map((_, i) => lineOf(i)).join("");
        await syncFile(path, chunked(Buffer.from(full), cuts));
        expect(readFileSync(path, "utf8")).toBe(full);
      }),
      { numRuns: 200 },
    );
  });

  it("appends in place to a file that is a prefix of the stream (the same file, for whoever follows it)", async () => {
    const dir = tempDir();
    const path = join(dir, "results.jsonl");
    const head = Array.from({ length: 500 }, (_, i) => lineOf(i)).join("");
    const tail = Array.from({ length: 20 }, (_, i) => lineOf(500 + i)).join("");
    writeFileSync(path, head);
    // Written in place, not replaced by a new file: `tail -f` on it sees the rest arrive.
    const inode = statSync(path).ino;
    await syncFile(path, chunked(Buffer.from(head + tail), [4096, 8192]));
    expect(statSync(path).ino).toBe(inode);
    expect(readFileSync(path, "utf8")).toBe(head + tail);
  });
});
