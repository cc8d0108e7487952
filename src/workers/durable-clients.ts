// Workers only: the ports of the services (rate limits, budgets, a batch's slots) over the Durable
// Objects that keep them for every isolate.
import type { RateLimits, Taken } from "../auth/rate-limit";
import { deadlinePassed } from "../llm/failure";
import type { Slots } from "../llm/limiter";
import type { BatchRow } from "../store/batch-store";
import type { BudgetBook, Hold } from "../usage/ledger";
import type { BatchGate } from "./batch-gate";
import type { KeyLimits } from "./key-limits";

const keyObject = (namespace: DurableObjectNamespace<KeyLimits>, key: string) => namespace.get(namespace.idFromName(key));

/** Rate limits kept by each key's KeyLimits object. */
export class DurableRateLimits implements RateLimits {
  constructor(private readonly namespace: DurableObjectNamespace<KeyLimits>) {}

  take(key: string, rpm: number): Promise<Taken> {
    return keyObject(this.namespace, key).take(rpm) as Promise<Taken>;
  }
}

/** Daily token budgets kept by each key's KeyLimits object. */
export class DurableBudgets implements BudgetBook {
  constructor(private readonly namespace: DurableObjectNamespace<KeyLimits>) {}

  spentToday(key: string): Promise<number> {
    return keyObject(this.namespace, key).spent() as Promise<number>;
  }

  async hold(key: string, budget: number, estimate: number, deadline: number): Promise<Hold | { spent: number; held: number }> {
    const object = keyObject(this.namespace, key);
    const held = (await object.hold(budget, estimate, deadline)) as { id: string } | { spent: number; held: number };
    if (!("id" in held)) return held;
    return {
      // A release that fails leaves the hold to lapse after its deadline, counted as spent (see DayBook).
      release: (spentTokens) => object.release(held.id, spentTokens).catch((error: unknown) => console.error("budget release:", error)),
    };
  }
}

/** How long a call without a deadline may wait for, and hold, a slot. */
const SLOT_WITHOUT_DEADLINE_MS = 10 * 60_000;

/** A batch's slots, kept by its BatchGate object: its `concurrency` bounds its upstream calls across consumers. */
export function batchSlots(namespace: DurableObjectNamespace<BatchGate>, row: BatchRow): Slots {
  const gate = namespace.get(namespace.idFromName(row.id));
  const limit = Math.max(1, row.concurrency);
  return {
    async run<T>(task: () => Promise<T>, deadline?: number): Promise<T> {
      const token = crypto.randomUUID();
      if (!(await gate.acquire(token, limit, deadline ?? Date.now() + SLOT_WITHOUT_DEADLINE_MS))) {
        throw deadlinePassed("while the call waited for one of its batch's slots (the batch's concurrency)");
      }
      try {
        return await task();
      } finally {
        await gate.release(token).catch((error: unknown) => console.error(`[batch ${row.id}] slot release:`, error));
      }
    },
  };
}
