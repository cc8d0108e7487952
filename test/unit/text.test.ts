// Text measured and cut as characters (code points), checked against the string iterator, which
// yields a whole surrogate pair as one element and a lone surrogate as one unit.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { charCount, clipText, fitsChars, isWellFormed, parseWellFormedJson, toWellFormed } from "../../src/text";

/** Any UTF-16 units: pairs, lone surrogates and half pairs among ordinary characters. */
const units = fc.string({
  unit: fc.oneof(
    fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
    fc.constantFrom("\ud83d\ude00", "\ud800", "\udc00"),
  ),
});

const characters = (text: string) => [...text];
const replaced = (ch: string) => (ch.length === 1 && ch >= "\ud800" && ch <= "\udfff" ? "\ufffd" : ch);

describe("text as characters", () => {
  it("counts code points, an emoji as one", () => {
    fc.assert(
      fc.property(units, (text) => {
        expect(charCount(text)).toBe(characters(text).length);
      }),
    );
    expect(charCount("😀".repeat(51))).toBe(51);
  });

  it("fits a limit exactly when its characters do", () => {
    fc.assert(
      fc.property(units, fc.nat(12), (text, max) => {
        expect(fitsChars(text, max)).toBe(characters(text).length <= max);
      }),
    );
  });

  it("clips to the first characters, never half a pair, and well-formed", () => {
    fc.assert(
      fc.property(units, fc.nat(12), (text, max) => {
        const clipped = clipText(text, max);
        expect(clipped).toBe(characters(text).slice(0, max).map(replaced).join(""));
        expect(isWellFormed(clipped)).toBe(true);
      }),
    );
  });

  it("replaces lone surrogates with U+FFFD and keeps everything else", () => {
    fc.assert(
      fc.property(units, (text) => {
        expect(toWellFormed(text)).toBe(characters(text).map(replaced).join(""));
      }),
    );
  });

  it("parses JSON with every string and name well-formed, as it was where it already was", () => {
    const value = fc.jsonValue().chain((v) => fc.tuple(fc.constant(v), units, units));
    fc.assert(
      fc.property(value, ([v, name, text]) => {
        const json = JSON.stringify([{ [name]: text }, v]);
        // JSON has no -0, so the value is compared as JSON gives it back.
        expect(parseWellFormedJson(json)).toEqual([{ [toWellFormed(name)]: toWellFormed(text) }, JSON.parse(JSON.stringify(v))]);
      }),
    );
    expect(parseWellFormedJson('{"__proto__":"\\ud800"}')).toEqual(JSON.parse('{"__proto__":"\\ufffd"}'));
  });
});
