import { fingerprint } from "../store/fingerprint";

const base64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");

/** A new key secret: 32 random bytes, prefixed so that leaked keys are easy to scan for. */
export function newSecret(): string {
  return `tbx_${base64url(crypto.getRandomValues(new Uint8Array(32)))}`;
}

export function newKeyId(): string {
  return `key_${base64url(crypto.getRandomValues(new Uint8Array(12)))}`;
}

/** What is stored and looked up: sha256 of the secret (the secret itself is never kept). */
export function hashSecret(secret: string): Promise<string> {
  return fingerprint({ api_key: secret });
}

/**
 * Compares two strings in time that depends only on their lengths, so a caller cannot learn a
 * secret a byte at a time from response timings.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}
