// Overload in front of a healthy upstream: more requests than the upstream slots can serve within
// their deadline. Those that run out of time get 504, but the upstream never failed, so the circuit
// breaker must stay closed and the next request must be served.
import { describe, expect, it } from "vitest";
import { expectProblem } from "../support/problems";
import { useFakeUpstream } from "../support/file-fake";
import { makeApp, upstreamEnv } from "../support/harness";

const fake = useFakeUpstream();

const request = (i: number) => ({
  instruction: "Name a prime number.",
  response: `${[2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47][i]} is prime.`,
  checklist: { items: [{ question: "Is the number named prime?" }] },
});

describe("overload against a healthy upstream", () => {
  it("answers 200 or 504, never opens the circuit, and serves the next request", async () => {
    const t = makeApp({
      ...upstreamEnv(fake),
      TICKBOX_UPSTREAM_CONCURRENCY: "2",
      TICKBOX_REQUEST_DEADLINE_MS: "1500",
      TICKBOX_UPSTREAM_RETRIES: "2",
      // As sensitive as it can be: one counted failure would open it.
      TICKBOX_BREAKER_FAILURES: "1",
      TICKBOX_BREAKER_COOLDOWN_MS: "60000",
    });
    fake.latencyMs = 1000;
    const started = performance.now();
    const replies = await Promise.all(Array.from({ length: 12 }, (_, i) => t.post("/v1/evaluations", request(i))));
    const elapsedMs = performance.now() - started;
    const statuses = replies.map((r) => r.status);
    // Two slots, one second a call, 1.5 s to live: the first two finish, the rest run out of time.
    expect(statuses.filter((s) => s === 200)).toHaveLength(2);
    for (const reply of replies.filter((r) => r.status !== 200)) {
      expectProblem(reply, 504, "upstream_timeout");
      expect(reply.json.detail).toContain("TICKBOX_REQUEST_DEADLINE_MS");
    }
    // The upstream was asked at most what two slots allow in the time the requests took (about
    // 1.5 s; more on a loaded machine, where the requests' deadlines start later), and never failed.
    expect(fake.calls.length).toBeLessThanOrEqual(2 * Math.ceil(elapsedMs / 1000));
    expect((await t.get("/metrics")).text).toContain('tickbox_upstream_circuit{state="closed"} 1');
    fake.latencyMs = 0;
    const next = await t.post("/v1/evaluations", request(12));
    expect(next.status).toBe(200);
  });

  it("requests that wait out their deadline in the queue leave the circuit closed too", async () => {
    const t = makeApp({
      ...upstreamEnv(fake),
      TICKBOX_UPSTREAM_CONCURRENCY: "1",
      TICKBOX_REQUEST_DEADLINE_MS: "300",
      TICKBOX_BREAKER_FAILURES: "1",
      TICKBOX_BREAKER_COOLDOWN_MS: "60000",
    });
    fake.latencyMs = 200;
    // Single evaluations queue behind each other on the one server-wide slot.
    const replies = await Promise.all(Array.from({ length: 6 }, (_, i) => t.post("/v1/evaluations", request(i))));
    expect(replies.some((r) => r.status === 504)).toBe(true);
    expect(replies.every((r) => r.status === 200 || r.status === 504)).toBe(true);
    expect((await t.get("/metrics")).text).toContain('tickbox_upstream_circuit{state="closed"} 1');
  });
});
