import { ProblemError } from "../errors";

const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * The offset of the first byte that does not begin a well-formed UTF-8 sequence (Unicode table
 * 3-7: no overlong forms, no surrogates, nothing past U+10FFFF), or -1 when every byte does. A
 * sequence cut off by the end of the bytes is ill-formed too.
 */
function firstInvalidUtf8(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let i = 0; i < n; ) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) need = 1;
    else if (lead >= 0xe0 && lead <= 0xef) {
      need = 2;
      if (lead === 0xe0) low = 0xa0;
      else if (lead === 0xed) high = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      need = 3;
      if (lead === 0xf0) low = 0x90;
      else if (lead === 0xf4) high = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const next = bytes[i + k];
      if (next === undefined || next < (k === 1 ? low : 0x80) || next > (k === 1 ? high : 0xbf)) return i;
    }
    i += need + 1;
  }
  return -1;
}

function notUtf8(at: number): ProblemError {
  return new ProblemError("invalid_json", `the body is not valid UTF-8: the bytes at offset ${at} are not a UTF-8 character`, [
    { path: "", message: `invalid UTF-8 at byte ${at}` },
  ]);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const whole = new Uint8Array(a.length + b.length);
  whole.set(a);
  whole.set(b, a.length);
  return whole;
}

/** Where an unfinished character begins at the end of `bytes` (its lead byte), or `bytes.length`. */
function unfinishedTail(bytes: Uint8Array): number {
  for (let back = 1; back <= 3 && back <= bytes.length; back++) {
    const b = bytes[bytes.length - back]!;
    if (b < 0x80) break;
    if (b >= 0xc0) {
      const length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
      return length > back ? bytes.length - back : bytes.length;
    }
  }
  return bytes.length;
}

/**
 * Checks a body's UTF-8 as its chunks arrive (a character may straddle two), with the decoder's
 * native speed; bytes that are not UTF-8 are a 400 naming their offset in the body.
 */
export async function* checkedUtf8(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  let position = 0;
  let carry = new Uint8Array(0);
  for await (const chunk of chunks) {
    const joined = carry.length === 0 ? chunk : concat(carry, chunk);
    try {
      decoder.decode(chunk, { stream: true });
    } catch {
      throw notUtf8(position - carry.length + Math.max(0, firstInvalidUtf8(joined)));
    }
    const tail = unfinishedTail(joined);
    position += chunk.length;
    carry = joined.slice(tail);
    yield chunk;
  }
  try {
    decoder.decode();
  } catch {
    throw notUtf8(position - carry.length);
  }
}

/**
 * Decodes UTF-8 strictly: bytes that are not valid UTF-8 are a 400 naming their offset in the body
 * (`base` is where these bytes begin in it), never replaced with U+FFFD, so that two different
 * bodies can never read as the same text.
 */
export function decodeUtf8(bytes: Uint8Array, base = 0): string {
  try {
    return strict.decode(bytes);
  } catch {
    throw notUtf8(base + Math.max(0, firstInvalidUtf8(bytes)));
  }
}
