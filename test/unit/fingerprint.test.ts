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
