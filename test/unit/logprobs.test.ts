import { describe, expect, it } from "vitest";
import { choiceProbabilities, fieldOffsets, pChoiceAt, pYesAt, verdictOffsets, verdictProbabilities } from "../../src/llm/logprobs";
import type { TokenLogprob } from "../../src/llm/types";

const tok = (token: string, top: [string, number][] = [[token, 0]]): TokenLogprob => ({
  token,
  logprob: top.find(([t]) => t === token)?.[1] ?? 0,
  top_logprobs: top.map(([t, logprob]) => ({ token: t, logprob })),
});

describe("verdictOffsets", () => {
  it("finds each item's verdict value, not look-alikes inside rationales", () => {
    const text = '{"q1":{"rationale":"it says \\"verdict\\":\\"NO\\" here","verdict":"YES"},"q2":{"verdict":"NO","rationale":"x"}}';
    const offsets = verdictOffsets(text);
    expect([...offsets.keys()]).toEqual(["q1", "q2"]);
    expect(text.slice(offsets.get("q1")!, offsets.get("q1")! + 3)).toBe("YES");
    expect(text.slice(offsets.get("q2")!, offsets.get("q2")! + 2)).toBe("NO");
  });

  it("starts where the JSON starts, ignoring braces in prose before it", () => {
    const prose = "Note {this}: ";
    const text = `${prose}{"q1":{"rationale":"r","verdict":"NO"}}`;
    const offsets = verdictOffsets(text, prose.length);
    expect(text.slice(offsets.get("q1")!, offsets.get("q1")! + 2)).toBe("NO");
  });
});

describe("pYesAt", () => {
  it("normalises YES against NO, summing case and quote variants", () => {
    const p = pYesAt(tok("YES", [["YES", Math.log(0.6)], ["Yes", Math.log(0.1)], ['"NO', Math.log(0.2)], [" no", Math.log(0.05)], ["N/A", Math.log(0.05)]]));
    expect(p).toBeCloseTo(0.7 / 0.95, 10);
  });

  it("bounds a missing side by the smallest listed probability", () => {
    const p = pYesAt(tok("YES", [["YES", Math.log(0.9)], ["Yes", Math.log(0.05)], ['"', Math.log(0.01)]]));
    expect(p).toBeCloseTo(0.95 / 0.96, 10);
  });

  it("is null when neither answer is among the alternatives", () => {
    expect(pYesAt(tok("maybe", [["maybe", -0.1], ["perhaps", -2]]))).toBeNull();
  });
});

describe("verdictProbabilities", () => {
  const content = '{"q1":{"rationale":"ok","verdict":"YES"}}';

  it("reads a split tokenisation (quote, then YES)", () => {
    const tokens = [tok('{"q1":{"rationale":"ok","verdict":"'), tok("YES", [["YES", Math.log(0.8)], ["NO", Math.log(0.2)]]), tok('"}}')];
    expect(verdictProbabilities(content, tokens).get("q1")).toBeCloseTo(0.8, 10);
  });

  it("reads a fused tokenisation (\"YES)", () => {
    const tokens = [tok('{"q1":{"rationale":"ok","verdict":'), tok('"YES', [['"YES', Math.log(0.3)], ['"NO', Math.log(0.7)]]), tok('"}}')];
    expect(verdictProbabilities(content, tokens).get("q1")).toBeCloseTo(0.3, 10);
  });

  it("uses token bytes when a token splits a multi-byte character", () => {
    const text = '{"q1":{"rationale":"café","verdict":"NO"}}';
    const bytes = Array.from(new TextEncoder().encode(text));
    const cut = bytes.indexOf(0xc3) + 1; // inside "é"
    const verdictAt = new TextEncoder().encode('{"q1":{"rationale":"café","verdict":"').length;
    const tokens: TokenLogprob[] = [
      { token: "a", logprob: 0, bytes: bytes.slice(0, cut), top_logprobs: [] },
      { token: "b", logprob: 0, bytes: bytes.slice(cut, verdictAt), top_logprobs: [] },
      { token: "NO", logprob: Math.log(0.9), bytes: bytes.slice(verdictAt, verdictAt + 2), top_logprobs: [{ token: "NO", logprob: Math.log(0.9) }, { token: "YES", logprob: Math.log(0.1) }] },
      { token: '"}}', logprob: 0, bytes: bytes.slice(verdictAt + 2), top_logprobs: [] },
    ];
    expect(verdictProbabilities(text, tokens).get("q1")).toBeCloseTo(0.1, 10);
  });
});

describe("two-way answers other than YES/NO", () => {
  const choices = ["FIRST", "SECOND"] as const;

  it("reads p(first choice) summing variants and word pieces", () => {
    const p = pChoiceAt(tok("FIRST", [["FIRST", Math.log(0.5)], ['"First', Math.log(0.1)], ["SEC", Math.log(0.3)], ["YES", Math.log(0.1)]]), choices);
    expect(p).toBeCloseTo(0.6 / 0.9, 10);
  });

  it("finds a depth-one field, not its look-alike inside the rationale", () => {
    const content = '{"rationale":"\\"better\\":\\"FIRST\\" is quoted","better":"SECOND"}';
    const offsets = fieldOffsets(content, "better", 1);
    expect(content.slice(offsets.get("better")!, offsets.get("better")! + 6)).toBe("SECOND");
    const at = offsets.get("better")!;
    const tokens = [tok(content.slice(0, at)), tok("SECOND", [["SECOND", Math.log(0.7)], ["FIRST", Math.log(0.3)]]), tok('"}')];
    expect(choiceProbabilities(content, tokens, offsets, choices).get("better")).toBeCloseTo(0.3, 10);
  });
});
