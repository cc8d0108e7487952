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
    const p = pYesAt(
      tok("YES", [
        ["YES", Math.log(0.6)],
        ["Yes", Math.log(0.1)],
        ['"NO', Math.log(0.2)],
        [" no", Math.log(0.05)],
        ["N/A", Math.log(0.05)],
      ]),
    );
    expect(p).toBeCloseTo(0.7 / 0.95, 10);
  });

  it("bounds a missing side by the smallest listed probability", () => {
    const p = pYesAt(
      tok("YES", [
        ["YES", Math.log(0.9)],
        ["Yes", Math.log(0.05)],
        ['"', Math.log(0.01)],
      ]),
    );
    expect(p).toBeCloseTo(0.95 / 0.96, 10);
  });

  it("is null when neither answer is among the alternatives", () => {
    expect(
      pYesAt(
        tok("maybe", [
          ["maybe", -0.1],
          ["perhaps", -2],
        ]),
      ),
    ).toBeNull();
  });

  it("bounds a missing side by the mass the alternatives leave unlisted, when that is less", () => {
    // 0.98 listed in all: NO had at most 0.02 — less than the smallest listed, 0.03.
    const p = pYesAt(
      tok("YES", [
        ["YES", Math.log(0.9)],
        ["Yes", Math.log(0.05)],
        ['"', Math.log(0.03)],
      ]),
    );
    expect(p).toBeCloseTo(0.95 / 0.97, 10);
  });

  it("reads the chosen token alone when the server lists no alternatives: the other side has at most 1 − p(chosen)", () => {
    const bare = (token: string, p: number, top?: unknown): TokenLogprob => ({
      token,
      logprob: Math.log(p),
      top_logprobs: top as TokenLogprob["top_logprobs"],
    });
    expect(pYesAt(bare("YES", 0.999, []))).toBeCloseTo(0.999, 10);
    expect(pYesAt(bare("NO", 0.999, []))).toBeCloseTo(0.001, 10);
    expect(pYesAt(bare("Yes", 0.7, []))).toBeCloseTo(0.7, 10);
    // No list at all (a server that leaves the field out) reads the same, and throws nothing.
    expect(pYesAt(bare("NO", 0.6, undefined))).toBeCloseTo(0.4, 10);
    expect(pYesAt(bare("NO", 0.6, null))).toBeCloseTo(0.4, 10);
  });

  it("counts the chosen token when the server leaves it out of its list", () => {
    const t: TokenLogprob = {
      token: "NO",
      logprob: Math.log(0.1),
      top_logprobs: [
        { token: "YES", logprob: Math.log(0.85) },
        { token: "Yes", logprob: Math.log(0.04) },
      ],
    };
    expect(pYesAt(t)).toBeCloseTo(0.89 / 0.99, 10);
  });

  it("skips numbers that are not log-probabilities, and is null with nothing left", () => {
    const t = {
      token: "YES",
      logprob: Math.log(0.8),
      top_logprobs: [
        { token: "YES", logprob: Math.log(0.8) },
        { token: "NO", logprob: Number.NaN },
        { token: "No", logprob: Number.POSITIVE_INFINITY },
        { token: "no", logprob: 0.3 },
        { token: "NO", logprob: null },
        { token: null, logprob: -1 },
      ],
    } as unknown as TokenLogprob;
    expect(pYesAt(t)).toBeCloseTo(0.8, 10);
    expect(pYesAt({ token: "YES", logprob: Number.NaN, top_logprobs: [] })).toBeNull();
  });
});

describe("verdictProbabilities", () => {
  const content = '{"q1":{"rationale":"ok","verdict":"YES"}}';

  it("reads a split tokenisation (quote, then YES)", () => {
    const tokens = [
      tok('{"q1":{"rationale":"ok","verdict":"'),
      tok("YES", [
        ["YES", Math.log(0.8)],
        ["NO", Math.log(0.2)],
      ]),
      tok('"}}'),
    ];
    expect(verdictProbabilities(content, tokens).get("q1")).toBeCloseTo(0.8, 10);
  });

  it('reads a fused tokenisation ("YES)', () => {
    const tokens = [
      tok('{"q1":{"rationale":"ok","verdict":'),
      tok('"YES', [
        ['"YES', Math.log(0.3)],
        ['"NO', Math.log(0.7)],
      ]),
      tok('"}}'),
    ];
    expect(verdictProbabilities(content, tokens).get("q1")).toBeCloseTo(0.3, 10);
  });

  it("leaves an item out when its verdict token cannot be placed", () => {
    // The tokens cover only the start of the content: the verdict lies beyond them.
    expect(verdictProbabilities(content, [tok('{"q1":{"rationale":"ok",')]).size).toBe(0);
    // A token without its text would shift every later one: nothing is read.
    const broken = [tok('{"q1":{"rationale":"ok","verdict":"'), { logprob: 0, top_logprobs: [] } as unknown as TokenLogprob, tok("YES", [["YES", 0]])];
    expect(verdictProbabilities(content, broken).size).toBe(0);
  });

  it("uses token bytes when a token splits a multi-byte character", () => {
    const text = '{"q1":{"rationale":"café","verdict":"NO"}}';
    const bytes = Array.from(new TextEncoder().encode(text));
    const cut = bytes.indexOf(0xc3) + 1; // inside "é"
    const verdictAt = new TextEncoder().encode('{"q1":{"rationale":"café","verdict":"').length;
    const tokens: TokenLogprob[] = [
      { token: "a", logprob: 0, bytes: bytes.slice(0, cut), top_logprobs: [] },
      { token: "b", logprob: 0, bytes: bytes.slice(cut, verdictAt), top_logprobs: [] },
      {
        token: "NO",
        logprob: Math.log(0.9),
        bytes: bytes.slice(verdictAt, verdictAt + 2),
        top_logprobs: [
          { token: "NO", logprob: Math.log(0.9) },
          { token: "YES", logprob: Math.log(0.1) },
        ],
      },
      { token: '"}}', logprob: 0, bytes: bytes.slice(verdictAt + 2), top_logprobs: [] },
    ];
    expect(verdictProbabilities(text, tokens).get("q1")).toBeCloseTo(0.1, 10);
  });
});

describe("two-way answers other than YES/NO", () => {
  const choices = ["FIRST", "SECOND"] as const;

  it("reads p(first choice) summing variants and word pieces", () => {
    const p = pChoiceAt(
      tok("FIRST", [
        ["FIRST", Math.log(0.5)],
        ['"First', Math.log(0.1)],
        ["SEC", Math.log(0.3)],
        ["YES", Math.log(0.1)],
      ]),
      choices,
    );
    expect(p).toBeCloseTo(0.6 / 0.9, 10);
  });

  it("finds a depth-one field, not its look-alike inside the rationale", () => {
    const content = '{"rationale":"\\"better\\":\\"FIRST\\" is quoted","better":"SECOND"}';
    const offsets = fieldOffsets(content, "better", 1);
    expect(content.slice(offsets.get("better")!, offsets.get("better")! + 6)).toBe("SECOND");
    const at = offsets.get("better")!;
    const tokens = [
      tok(content.slice(0, at)),
      tok("SECOND", [
        ["SECOND", Math.log(0.7)],
        ["FIRST", Math.log(0.3)],
      ]),
      tok('"}'),
    ];
    expect(choiceProbabilities(content, tokens, offsets, choices).get("better")).toBeCloseTo(0.3, 10);
  });
});
