// The arithmetic the Durable Objects keep (src/workers/*), tested where cases can be generated: a
// key's token bucket, its budget day, a batch's slots. What each promises, checked against a
// count kept by the test itself.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Bucket, takeToken } from "../../src/auth/rate-limit";
import { GRANT_GRACE_MS, SlotBook } from "../../src/batches/slot-book";
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
  it("never grants more than the limit at once, grants in arrival order, and grants everyone once slots come back", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 25 }), async (limit, holds) => {
        const book = new SlotBook({}, () => {});
        let inside = 0;
        let most = 0;
        const order: number[] = [];
        await Promise.all(
          holds.map(async (holdMs, i) => {
            const token = `t${i}`;
            expect(await book.acquire(token, limit, Date.now() + 10_000)).toBe(true);
            order.push(i);
            most = Math.max(most, ++inside);
            await new Promise((r) => setTimeout(r, holdMs));
            inside--;
            book.release(token);
          }),
        );
        expect(most).toBeLessThanOrEqual(limit);
        expect(order).toEqual(holds.map((_, i) => i));
        expect(book.granted).toBe(0);
      }),
      { numRuns: 40 },
    );
  });

  it("gives a waiter up at its deadline, and takes back a slot never returned once its call's deadline and grace have passed", async () => {
    let now = 0;
    const stored: Record<string, number>[] = [];
    const book = new SlotBook({}, (grants) => stored.push({ ...grants }), () => now);
    expect(await book.acquire("lost", 1, 100)).toBe(true);
    // Nobody returns "lost": a waiter whose deadline comes first is refused.
    expect(await book.acquire("impatient", 1, 0)).toBe(false);
    // Once the lost holder's deadline and grace are over, the next caller gets its slot.
    now = 100 + GRANT_GRACE_MS + 1;
    expect(await book.acquire("next", 1, now + 100)).toBe(true);
    expect(Object.keys(stored.at(-1)!)).toEqual(["next"]);
  });
});
