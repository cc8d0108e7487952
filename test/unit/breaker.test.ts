import { describe, expect, it } from "vitest";
import { CircuitBreaker } from "../../src/llm/breaker";
import { UpstreamProblem, deadlinePassed } from "../../src/llm/failure";
import type { ChatRequest, ChatResult, LlmClient } from "../../src/llm/types";

const request: ChatRequest = { model: "m", messages: [{ role: "user", content: "x" }], temperature: 0, logprobs: false };
const ok: ChatResult = { content: "{}", tokens: null, usage: { prompt_tokens: 1, completion_tokens: 1 } };

/** An upstream whose next answers are scripted: "ok", an outage, an invalid answer, or the caller's deadline. */
function scripted(outcomes: ("ok" | "down" | "invalid" | "deadline")[]) {
  const port = {
    calls: 0,
    async complete(): Promise<ChatResult> {
      port.calls++;
      const next = outcomes.shift() ?? "ok";
      if (next === "down") throw new UpstreamProblem("upstream_error", "down", "outage");
      if (next === "invalid") throw new UpstreamProblem("upstream_invalid_output", "bad", "answered");
      if (next === "deadline") throw deadlinePassed("in a test");
      return ok;
    },
  } satisfies LlmClient & { calls: number };
  return port;
}

describe("CircuitBreaker", () => {
  it("opens after consecutive outages, fails fast, then lets one probe through", async () => {
    let now = 0;
    const upstream = scripted(["down", "down", "down", "ok"]);
    const breaker = new CircuitBreaker(upstream, { failures: 3, cooldownMs: 1000, now: () => now });
    for (let i = 0; i < 3; i++) await expect(breaker.complete(request)).rejects.toMatchObject({ code: "upstream_error" });
    expect(breaker.state).toBe("open");
    const fast = await breaker.complete(request).catch((e) => e);
    expect(fast).toMatchObject({ code: "upstream_unavailable", status: 503, retryAfter: 1 });
    expect(upstream.calls).toBe(3);
    now = 1000;
    await expect(breaker.complete(request)).resolves.toEqual(ok);
    expect(breaker.state).toBe("closed");
    expect(upstream.calls).toBe(4);
  });

  it("reopens when the probe fails, and allows only one probe at a time", async () => {
    let now = 0;
    let release!: () => void;
    const slow: LlmClient = {
      complete: () =>
        new Promise((_, reject) => {
          release = () => reject(new UpstreamProblem("upstream_timeout", "slow", "outage"));
        }),
    };
    const breaker = new CircuitBreaker(slow, { failures: 1, cooldownMs: 500, now: () => now });
    const first = breaker.complete(request).catch((e) => e);
    release();
    expect(await first).toMatchObject({ code: "upstream_timeout" });
    now = 600;
    const probe = breaker.complete(request).catch((e) => e);
    expect(breaker.state).toBe("half_open");
    await expect(breaker.complete(request)).rejects.toMatchObject({ code: "upstream_unavailable" });
    release();
    expect(await probe).toMatchObject({ code: "upstream_timeout" });
    expect(breaker.state).toBe("open");
  });

  it("does not count invalid answers as outages", async () => {
    const upstream = scripted(["down", "invalid", "down", "ok"]);
    const breaker = new CircuitBreaker(upstream, { failures: 2, cooldownMs: 1000 });
    for (let i = 0; i < 3; i++) await breaker.complete(request).catch(() => undefined);
    expect(breaker.state).toBe("closed");
  });

  it("is not moved by calls the caller's deadline ended: they neither count, nor reset the count, nor close it", async () => {
    let now = 0;
    const upstream = scripted(["down", "deadline", "deadline", "down", "deadline", "deadline", "ok"]);
    const breaker = new CircuitBreaker(upstream, { failures: 2, cooldownMs: 1000, now: () => now });
    for (let i = 0; i < 4; i++) await breaker.complete(request).catch(() => undefined);
    // Two outages with deadlines between them are still two in a row.
    expect(breaker.state).toBe("open");
    now = 1000;
    // A probe ended by its caller's deadline leaves the circuit half-open, with the next call as the probe.
    await expect(breaker.complete(request)).rejects.toMatchObject({ code: "upstream_timeout", health: "local" });
    expect(breaker.state).toBe("half_open");
    await expect(breaker.complete(request)).rejects.toMatchObject({ health: "local" });
    expect(breaker.state).toBe("half_open");
    await expect(breaker.complete(request)).resolves.toEqual(ok);
    expect(breaker.state).toBe("closed");
  });
});
