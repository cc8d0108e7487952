// The arithmetic the Durable Objects keep (src/workers/*), tested where cases can be generated: a
// key's token bucket, its budget day, a batch's slots. What each promises, checked against a
// count kept by the test itself.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Bucket, takeToken } from "../../src/auth/rate-limit";
import { GRANT_GRACE_MS, SlotBook } from "../../src/batches/slot-book";
import { PooledSlots } from "../../src/batches/slot-pool";
import { DayBook, HOLD_GRACE_MS } from "../../src/usage/day-book";

describe("a key's token bucket", () => {
  it("admits, in any window, at most the limit plus what refills over the window", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 120 }), fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 1, maxLength: 300 }), (rpm, gaps) => {
        let now = 1_000_000;
        let bucket: Bucket | undefined;
        const admitted: number[] = [];
        for (const gap of gaps) {
          now += gap;
          bucket ??= { tokens: rpm, at: now };
          if (takeToken(bucket, rpm, now).ok) admitted.push(now);
        }
        for (let i = 0; i < admitted.length; i++) {
          for (let j = i; j < admitted.length; j++) {
            const inWindow = j - i + 1;
            expect(inWindow).toBeLessThanOrEqual(rpm + ((admitted[j]! - admitted[i]!) * rpm) / 60_000 + 1e-9);
          }
        }
      }),
    );
  });

  it("says when the next request will be admitted, and admits it then", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 600 }), (rpm) => {
        const bucket = { tokens: rpm, at: 0 };
        for (let i = 0; i < rpm; i++) expect(takeToken(bucket, rpm, 0).ok).toBe(true);
        const refused = takeToken(bucket, rpm, 0);
        expect(refused.ok).toBe(false);
        if (!refused.ok) expect(takeToken(bucket, rpm, refused.retryAfter * 1000).ok).toBe(true);
      }),
    );
  });
});

/** A call as the budget sees it: it asks to hold its estimate, then (maybe) settles what it spent. */
const call = fc.record({
  estimate: fc.integer({ min: 1, max: 400 }),
  /** What it really bills, as a share of its estimate (above 1: the estimate was short). */
  billedShare: fc.double({ min: 0, max: 2, noNaN: true }),
  /** When it settles, in steps after it starts; null: its isolate died before it settled. */
  settlesAfter: fc.option(fc.integer({ min: 0, max: 6 }), { nil: null }),
});

describe("a key's budget day", () => {
  it("never lets what is spent pass the budget by more than the excess of the calls that overran their estimates", () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 5_000 }), fc.array(call, { minLength: 1, maxLength: 80 }), (budget, calls) => {
        let now = Date.UTC(2026, 5, 1, 12);
        const book = new DayBook(undefined, now);
        const settling = new Map<number, { id: string; tokens: number }[]>();
        let excess = 0;
        calls.forEach((c, step) => {
          for (const s of settling.get(step) ?? []) book.release(s.id, s.tokens, now);
          const id = `call-${step}`;
          if (book.hold(id, budget, c.estimate, now + 1_000, now).ok && c.settlesAfter !== null) {
            const tokens = Math.round(c.estimate * c.billedShare);
            excess += Math.max(0, tokens - c.estimate);
            const at = step + 1 + c.settlesAfter;
            settling.set(at, [...(settling.get(at) ?? []), { id, tokens }]);
          }
          expect(book.spent(now) + book.held(now)).toBeLessThanOrEqual(budget + excess);
          now += 100;
        });
        // Settle the rest; holds never settled count as spent once their grace is over.
        for (const pending of settling.values()) for (const s of pending) book.release(s.id, s.tokens, now);
        now += 1_000 + HOLD_GRACE_MS + 1;
        expect(book.held(now)).toBe(0);
        expect(book.spent(now)).toBeLessThanOrEqual(budget + excess);
      }),
    );
  });

  it("counts a lost hold once, as spent, and a settlement that comes after it not again", () => {
    const now = Date.UTC(2026, 5, 1, 12);
    const book = new DayBook(undefined, now);
    expect(book.hold("a", 1_000, 300, now + 1_000, now).ok).toBe(true);
    const later = now + 1_000 + HOLD_GRACE_MS + 1;
    expect(book.spent(later)).toBe(300);
    book.release("a", 50, later);
    expect(book.spent(later)).toBe(300);
  });

  it("starts each UTC day with nothing spent, holds of calls in flight kept", () => {
    const evening = Date.UTC(2026, 5, 1, 23, 59, 59);
    const book = new DayBook(undefined, evening);
    book.hold("spent", 1_000, 400, evening + 500, evening);
    book.release("spent", 400, evening);
    book.hold("in flight", 1_000, 300, evening + 5_000, evening);
    const morning = evening + 2_000;
    expect(book.spent(morning)).toBe(0);
    expect(book.held(morning)).toBe(300);
    expect(book.hold("next", 1_000, 700, morning + 1_000, morning)).toEqual({ ok: true });
    expect(book.hold("one too many", 1_000, 1, morning + 1_000, morning)).toEqual({ ok: false, spent: 0, held: 1_000 });
  });
});

describe("a batch's slots", () => {
  /** A SlotBook reached as a Durable Object is: every call a round trip, counted. */
  function gateOver(book: SlotBook) {
    const gate = {
      calls: 0,
      acquire: async (holder: string, limit: number, deadline: number, want: number) => {
        gate.calls++;
        return book.acquire(holder, limit, deadline, want);
      },
      release: async (tokens: string[]) => {
        gate.calls++;
        book.release(tokens);
      },
      close: async (holder: string) => {
        gate.calls++;
        book.close(holder);
      },
    };
    return gate;
  }

  it("bounds the calls in flight of every consumer together by the limit, grants each call, and asks the gate at most twice a call", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 30 }), { minLength: 1, maxLength: 4 }),
        async (limit, consumers) => {
          const book = new SlotBook({}, () => {});
          const gate = gateOver(book);
          let inFlight = 0;
          let most = 0;
          let calls = 0;
          await Promise.all(
            consumers.map(async (holds) => {
              // One delivery: its calls, then its slots closed.
              const slots = new PooledSlots(gate, limit, 10_000);
              await Promise.all(
                holds.map((ms) =>
                  slots.run(async () => {
                    calls++;
                    most = Math.max(most, ++inFlight);
                    await new Promise((r) => setTimeout(r, ms));
                    inFlight--;
                  }, Date.now() + 10_000),
                ),
              );
              await slots.close();
            }),
          );
          expect(most).toBeLessThanOrEqual(limit);
          expect(calls).toBe(consumers.flat().length);
          // Closed deliveries hold nothing and wait for nothing: the next caller gets every slot at once.
          expect(book.granted).toBe(0);
          expect(await book.acquire("next", limit, Date.now() + 10, limit)).toHaveLength(limit);
          expect(gate.calls).toBeLessThanOrEqual(2 * calls + consumers.length);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("asks the gate a few times for a delivery's calls, rather than twice a call", async () => {
    const gate = gateOver(new SlotBook({}, () => {}));
    const slots = new PooledSlots(gate, 16, 10_000);
    await Promise.all(Array.from({ length: 50 }, () => slots.run(() => new Promise((r) => setTimeout(r, 5)), Date.now() + 10_000)));
    await new Promise((r) => setTimeout(r, 20));
    expect(gate.calls).toBeLessThan(20);
  });

  it("closing a delivery answers its asks still waiting at the gate and gives back what it holds", async () => {
    const book = new SlotBook({}, () => {});
    const [other] = await book.acquire("other", 1, Date.now() + 10_000);
    const slots = new PooledSlots(gateOver(book), 1, 10_000);
    // Its call waits at the gate behind "other"; the delivery gives up on it (its deadline) and closes.
    await expect(slots.run(async () => "never", Date.now() + 20)).rejects.toMatchObject({ code: "upstream_timeout" });
    await slots.close();
    book.release([other!]);
    // Nothing was left waiting for the freed slot: the next caller has it.
    expect(await book.acquire("next", 1, Date.now() + 10)).toHaveLength(1);
  });

  it("grants in arrival order, as many as are free up to what is asked", async () => {
    const book = new SlotBook({}, () => {});
    const first = await book.acquire("a", 3, Date.now() + 1_000, 2);
    expect(first).toHaveLength(2);
    const second = book.acquire("b", 3, Date.now() + 1_000, 5);
    const third = book.acquire("c", 3, Date.now() + 1_000, 1);
    expect(await second).toHaveLength(1);
    book.release(first);
    expect(await third).toHaveLength(1);
    expect(book.granted).toBe(2);
  });

  it("gives a waiter up at its deadline, and takes back a slot never returned once its call's deadline and grace have passed", async () => {
    let now = 0;
    const stored: Record<string, number>[] = [];
    const book = new SlotBook(
      {},
      (grants) => stored.push({ ...grants }),
      () => now,
    );
    const [lost] = await book.acquire("lost", 1, 100);
    expect(lost).toBeDefined();
    // Nobody returns "lost": a waiter whose deadline comes first is refused.
    expect(await book.acquire("impatient", 1, 0)).toEqual([]);
    // Once the lost holder's deadline and grace are over, the next caller gets its slot.
    now = 100 + GRANT_GRACE_MS + 1;
    const [next] = await book.acquire("next", 1, now + 100);
    expect(Object.keys(stored.at(-1)!)).toEqual([next]);
  });

  it("a delivery's call that waits past its deadline is a 504 that blames no one upstream", async () => {
    const book = new SlotBook({}, () => {});
    const slots = new PooledSlots(gateOver(book), 1, 10_000);
    let release!: () => void;
    const holding = slots.run(() => new Promise<void>((r) => (release = r)), Date.now() + 5_000);
    await new Promise((r) => setTimeout(r, 5));
    await expect(slots.run(async () => "late", Date.now() + 20)).rejects.toMatchObject({ code: "upstream_timeout", health: "local" });
    release();
    await holding;
  });
});
