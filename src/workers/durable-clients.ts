// Workers only: the ports of the services (rate limits, budgets, a batch's slots) over the Durable
// Objects that keep them for every isolate.
import type { RateLimits, Taken } from "../auth/rate-limit";
import { type DeliverySlots, PooledSlots } from "../batches/slot-pool";
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

/**
 * A batch's slots for one delivery of its items, kept by its BatchGate object: its `concurrency`
 * bounds its upstream calls in flight across consumers (see PooledSlots).
 */
export function batchSlots(namespace: DurableObjectNamespace<BatchGate>, row: BatchRow): DeliverySlots {
  const gate = namespace.get(namespace.idFromName(row.id));
  return new PooledSlots(
    {
      acquire: (holder, limit, deadline, want) => gate.acquire(holder, limit, deadline, want) as Promise<string[]>,
      release: (tokens) => gate.release(tokens) as Promise<void>,
      close: (holder) => gate.close(holder) as Promise<void>,
    },
    Math.max(1, row.concurrency),
    SLOT_WITHOUT_DEADLINE_MS,
  );
}
