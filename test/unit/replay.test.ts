import { describe, expect, it } from "vitest";
import { ReplayCache } from "../../src/middleware/replay";

describe("ReplayCache", () => {
  it("evicts the least recently used entries past its byte budget", () => {
    const cache = new ReplayCache(800);
    cache.set("a", { body: "x".repeat(90), tokens: 0 });
    cache.set("b", { body: "x".repeat(90), tokens: 0 });
    expect(cache.get("a")).toBeDefined(); // a is now the most recent
    for (let i = 0; i < 7; i++) cache.set(`k${i}`, { body: "x".repeat(90), tokens: 0 });
    // 9 entries of ~92 bytes overflow 800: b, the least recently used, goes first.
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("k0")).toBeDefined(); // now a is the least recently used
    cache.set("k7", { body: "x".repeat(90), tokens: 0 });
    expect(cache.get("a")).toBeUndefined();
    expect(cache.get("k0")).toBeDefined();
  });

  it("does not keep an entry larger than an eighth of the budget", () => {
    const cache = new ReplayCache(800);
    cache.set("big", { body: "x".repeat(200), tokens: 0 });
    expect(cache.get("big")).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});
