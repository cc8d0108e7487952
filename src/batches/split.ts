import { ProblemError } from "../errors";

/** One item's bytes in a batch body, and where it is: its index, its line (JSON Lines), its offset. */
export interface ItemBytes {
  index: number;
  line?: number;
  offset: number;
  bytes: Uint8Array;
  /** Past the item size limit: its bytes were not kept. */
  tooLarge: boolean;
}

const SPACE = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const LF = 0x0a;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const BOM = [0xef, 0xbb, 0xbf];

const isSpace = (b: number) => b === SPACE || b === TAB || b === CR || b === LF;

const malformed = (offset: number, what: string) =>
  new ProblemError("invalid_json", `the body is not a JSON array of items: ${what} at byte ${offset}`, [
    { path: "", message: `malformed JSON at byte ${offset}` },
  ]);

/**
 * The bytes of the item being read, kept as slices of the chunks they arrive in, up to a limit:
 * past it they are dropped and only counted, so one huge item cannot fill the memory.
 */
class ItemBuffer {
  private parts: Uint8Array[] = [];
  private size = 0;
  tooLarge = false;

  constructor(private readonly limit: number) {}

  append(bytes: Uint8Array): void {
    if (bytes.length === 0 || this.tooLarge) return;
    this.size += bytes.length;
    if (this.size > this.limit) {
      this.tooLarge = true;
      this.parts = [];
    } else this.parts.push(bytes);
  }

  /** The bytes kept, and a fresh buffer for the next item. */
  take(): Uint8Array {
    const whole = this.tooLarge ? new Uint8Array(0) : this.parts.length === 1 ? this.parts[0]! : concat(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    this.tooLarge = false;
    return whole;
  }
}

function concat(parts: Uint8Array[], size: number): Uint8Array {
  const whole = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    whole.set(part, at);
    at += part.length;
  }
  return whole;
}

/** The index of `byte` in `bytes` from `from`, or the length when there is none. */
function indexOr(bytes: Uint8Array, byte: number, from: number): number {
  const at = bytes.indexOf(byte, from);
  return at < 0 ? bytes.length : at;
}

/** Where the non-blank part of `bytes` begins, or -1 when there is none. */
function firstNonSpace(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) if (!isSpace(bytes[i]!)) return i;
  return -1;
}

/** The lines of a JSON Lines body as they arrive, blank ones skipped (a line may end in CRLF). */
export async function* splitLines(chunks: AsyncIterable<Uint8Array>, maxItemBytes: number): AsyncGenerator<ItemBytes> {
  const buffer = new ItemBuffer(maxItemBytes);
  let position = 0;
  let lineStart = 0;
  let line = 1;
  let index = 0;
  const finish = (): ItemBytes | null => {
    const tooLarge = buffer.tooLarge;
    const bytes = buffer.take();
    const start = tooLarge ? 0 : firstNonSpace(bytes);
    if (start < 0) return null;
    return { index: index++, line, offset: lineStart + start, bytes: bytes.subarray(start), tooLarge };
  };
  for await (const chunk of chunks) {
    for (let from = 0; ; ) {
      const newline = chunk.indexOf(LF, from);
      buffer.append(chunk.subarray(from, newline < 0 ? chunk.length : newline));
      if (newline < 0) break;
      const item = finish();
      if (item) yield item;
      line++;
      lineStart = position + newline + 1;
      from = newline + 1;
    }
    position += chunk.length;
  }
  const last = finish();
  if (last) yield last;
}

/**
 * The elements of a JSON array body as they arrive. The scan follows only the JSON structure
 * (strings, nesting, the commas between elements), which is all ASCII, so it can run over the
 * bytes: in UTF-8 no byte of a multi-byte character is below 0x80. Each element is parsed (and its
 * UTF-8 checked) on its own afterwards.
 */
export async function* splitArray(chunks: AsyncIterable<Uint8Array>, maxItemBytes: number): AsyncGenerator<ItemBytes> {
  const buffer = new ItemBuffer(maxItemBytes);
  let state = "before" as "before" | "first" | "next" | "item" | "after" | "not an array";
  let depth = 0;
  let inString = false;
  let escaped = false;
  let position = 0;
  let itemStart = 0;
  let index = 0;
  const item = (): ItemBytes => ({ index: index++, offset: itemStart, tooLarge: buffer.tooLarge, bytes: buffer.take() });
  for await (const chunk of chunks) {
    // Read on to the end all the same, so that bytes that are not UTF-8 are reported first.
    if (state === "not an array") continue;
    let from = 0;
    // Inside a string only a quote or a backslash matters: the scan jumps to the next of either
    // (found natively), which is most of a body's bytes skipped. -1: not looked for yet.
    let nextBackslash = -1;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (state === "item") {
        if (inString) {
          if (escaped) {
            escaped = false;
            continue;
          }
          if (nextBackslash < i) nextBackslash = indexOr(chunk, BACKSLASH, i);
          const stop = Math.min(indexOr(chunk, QUOTE, i), nextBackslash);
          i = stop - 1;
          if (stop === chunk.length) continue;
          i = stop;
          if (chunk[stop] === BACKSLASH) escaped = true;
          else inString = false;
        } else if (b === QUOTE) inString = true;
        else if (b === OPEN_ARRAY || b === OPEN_OBJECT) depth++;
        else if ((b === CLOSE_ARRAY || b === CLOSE_OBJECT) && depth > 0) depth--;
        else if (depth === 0 && (b === COMMA || b === CLOSE_ARRAY)) {
          buffer.append(chunk.subarray(from, i));
          yield item();
          state = b === COMMA ? "next" : "after";
        } else if (depth === 0 && b === CLOSE_OBJECT) throw malformed(position + i, "an unmatched }");
        continue;
      }
      if (isSpace(b)) continue;
      if (state === "before") {
        if (position + i === 0 && b === BOM[0] && chunk[i + 1] === BOM[1] && chunk[i + 2] === BOM[2]) {
          i += 2;
          continue;
        }
        if (b !== OPEN_ARRAY) {
          state = "not an array";
          break;
        }
        state = "first";
      } else if (state === "first" && b === CLOSE_ARRAY) state = "after";
      else if (state === "first" || state === "next") {
        state = "item";
        itemStart = position + i;
        from = i;
        i--;
      } else throw malformed(position + i, "something after the array's ]");
    }
    if (state === "item") buffer.append(chunk.subarray(from));
    position += chunk.length;
  }
  if (state === "not an array") {
    throw new ProblemError("validation_failed", "the body must be a JSON array of items (or JSON Lines, sent as such)", [
      { path: "", message: "expected an array" },
    ]);
  }
  if (state !== "after") throw malformed(position, "the array does not end");
}
