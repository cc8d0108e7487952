/**
 * Canonical JSON: object keys sorted, no whitespace, `undefined` members dropped. Two processes
 * (or a Node server and a Worker) that hash the same data get the same fingerprint.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value ?? null);
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) out += (i ? "," : "") + canonicalJson(value[i] ?? null);
    return `${out}]`;
  }
  let out = "{";
  for (const key of Object.keys(value).sort()) {
    const member = (value as Record<string, unknown>)[key];
    if (member !== undefined) out += `${(out.length > 1 ? "," : "") + JSON.stringify(key)}:${canonicalJson(member)}`;
  }
  return `${out}}`;
}

/** The slice of node:crypto used here, declared so that this module type-checks for Workers too. */
interface NodeHash {
  update(text: string): NodeHash;
  digest(encoding: "hex"): string;
}
interface NodeCrypto {
  /** One-shot hashing (Node ≥ 20.12): cheaper than a Hash object for short texts. */
  hash?(algorithm: "sha256", text: string, encoding: "hex"): string;
  createHash(algorithm: "sha256"): NodeHash;
}

// Node's native hash is synchronous and several times cheaper than a Web Crypto round trip through
// the thread pool; other runtimes (Workers) use Web Crypto. Both give the same digest.
const nodeCrypto = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.("node:crypto") as
  | NodeCrypto
  | undefined;

/** sha256 of a text's UTF-8 bytes, as hex, through Web Crypto: the path a Worker takes. */
export async function webCryptoSha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Which implementation `fingerprint` uses in this runtime. */
export const fingerprintEngine: "node:crypto" | "web-crypto" = nodeCrypto ? "node:crypto" : "web-crypto";

/** sha256 of a text's UTF-8 bytes, as hex, by the cheapest means of the runtime. */
export async function sha256Hex(text: string): Promise<string> {
  if (nodeCrypto) return nodeCrypto.hash ? nodeCrypto.hash("sha256", text, "hex") : nodeCrypto.createHash("sha256").update(text).digest("hex");
  return webCryptoSha256(text);
}

/**
 * sha256 of a text given in parts, as `fingerprint` would hash the parts joined: hashed as they
 * come on Node; elsewhere (no background work there) kept and hashed at the end.
 */
export function sha256OfParts(): { update(part: string): void; digest(): Promise<string> } {
  if (nodeCrypto) {
    const hash = nodeCrypto.createHash("sha256");
    return { update: (part) => void hash.update(part), digest: async () => hash.digest("hex") };
  }
  const parts: string[] = [];
  return { update: (part) => void parts.push(part), digest: () => webCryptoSha256(parts.join("")) };
}

/** sha256 of the canonical JSON, as hex: the same on Node and on Workers. */
export function fingerprint(value: unknown): Promise<string> {
  return sha256Hex(canonicalJson(value));
}
