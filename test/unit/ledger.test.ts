// The ledger's waiting, on a real (in-memory) database: a call that fits once the calls in flight
// settle waits for them and is let through when they do; one still waiting at its deadline gives
// up with a 504 that blames no one upstream; one that would not fit even alone is refused at once.
import { describe, expect, it } from "vitest";
import type { Principal } from "../../src/context";
import { ProblemError } from "../../src/errors";
import { createKeyStore } from "../../src/store/keys-store";
import { openSqlite } from "../../src/store/sqlite";
import { createUsageStore } from "../../src/store/usage-store";
import { LocalBudgets } from "../../src/usage/budget-book";
import { UsageLedger } from "../../src/usage/ledger";
import { Meter } from "../../src/usage/meter";
import { UsageRecorder } from "../../src/usage/recorder";

const principal: Principal = { keyId: "key_a", tenant: "t", scopes: ["evaluate"], operator: false, rateLimitRpm: null, dailyTokenBudget: 100, above: [] };

function ledger() {
  const database = openSqlite(":memory:");
  const recorder = new UsageRecorder(createUsageStore(database));
  const book = new LocalBudgets(recorder, createKeyStore(database));
  return Object.assign(new UsageLedger(recorder, book), { reservedBy: (key: string) => book.reservedBy(key) });
}

const spent = (tokens: number) => {
  const meter = new Meter();
  meter.charge("m", { upstream_calls: 1, prompt_tokens: tokens, completion_tokens: 0 });
  return meter;
};

const outcome = (promise: Promise<unknown>) =>
  promise.then(
    () => "reserved",
    (error: unknown) => (error instanceof ProblemError ? error.code : "other"),
  );

describe("a reservation that does not fit beside the calls in flight", () => {
  it("waits for them to settle, then is let through", async () => {
    const l = ledger();
    const first = await l.reserve(principal, 60);
    const second = outcome(l.reserve(principal, 60, Date.now() + 10_000));
    await new Promise((r) => setTimeout(r, 30));
    expect(l.reservedBy("key_a")).toBe(60);
    first.settle(spent(20));
    expect(await second).toBe("reserved");
    expect(l.reservedBy("key_a")).toBe(60);
  });

  it("gives up at its deadline with a 504, and one that would not fit alone is refused at once with a 429", async () => {
    const l = ledger();
    const first = await l.reserve(principal, 60);
    expect(await outcome(l.reserve(principal, 60, Date.now() + 50))).toBe("upstream_timeout");
    first.settle(spent(50));
    expect(await outcome(l.reserve(principal, 60, Date.now() + 10_000))).toBe("budget_exceeded");
    expect(l.reservedBy("key_a")).toBe(0);
  });
});
