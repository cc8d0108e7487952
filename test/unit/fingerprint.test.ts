import { describe, expect, it } from "vitest";
import { canonicalJson, fingerprint, fingerprintEngine, webCryptoSha256 } from "../../src/store/fingerprint";
import { FINGERPRINT_VECTORS } from "../contract/vectors";

describe("fingerprints on Node", () => {
  it("use node:crypto, and Web Crypto (the Worker's path) gives the same digests", async () => {
    expect(fingerprintEngine).toBe("node:crypto");
    for (const { value, sha256 } of FINGERPRINT_VECTORS) {
      expect(await fingerprint(value)).toBe(sha256);
      expect(await webCryptoSha256(canonicalJson(value))).toBe(sha256);
    }
  });
});

describe("the grading fingerprint, written out", () => {
  it("is the fingerprint of the grading's canonical JSON, for any texts and parameters", async () => {
    const { gradingFingerprint } = await import("../../src/judge/grading");
    const { GRADING_PROMPT_VERSION } = await import("../../src/judge/prompts");
    const fc = (await import("fast-check")).default;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          contentHash: fc.string(),
          instruction: fc.string({ unit: "binary" }),
          context: fc.option(fc.string({ unit: "binary" }), { nil: null }),
          response: fc.string({ unit: "binary" }),
          model: fc.string(),
          params: fc.dictionary(fc.string(), fc.oneof(fc.integer(), fc.string(), fc.boolean(), fc.constant(null))),
        }),
        async ({ contentHash, params, ...texts }) => {
          const input = { checklist: { id: "cl_x", contentHash, items: [] }, ...texts, params };
          const object = {
            kind: "grading",
            prompt_version: GRADING_PROMPT_VERSION,
            model: texts.model,
            params,
            checklist: contentHash,
            instruction: texts.instruction,
            context: texts.context,
            response: texts.response,
          };
          expect(await gradingFingerprint(input)).toBe(await fingerprint(object));
        },
      ),
      { numRuns: 300 },
    );
  });
});
