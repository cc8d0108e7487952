// Workers only: the ports of the services (rate limits, budgets, a batch's slots) over the Durable
// Objects that keep them for every isolate.
import type { BucketAnswer, RateLimit, RateLimits, Taken } from "../auth/rate-limit";
import { type DeliverySlots, PooledSlots } from "../batches/slot-pool";
import type { BatchRow } from "../store/batch-records";
import type { BudgetBook, BudgetLevel, Hold, Refusal } from "../usage/budget-book";
import type { BatchGate } from "./batch-gate";
import type { KeyLimits } from "./key-limits";

const keyObject = (namespace: DurableObjectNamespace<KeyLimits>, key: string) => namespace.get(namespace.idFromName(key));

/** What a KeyLimits object answers to `hold`. */
type HoldAnswer = { id: string } | { spent: number; releases: number };

/**
 * Rate limits kept by each key's KeyLimits object. A request asks the objects of its chain one at a
 * time from the top (the bucket the most keys share first), and gives back the tokens taken when one
 * is empty: so a key's own bucket lends no token to a request its maker's then refuses, and a token
 * on its way back (a refusal can come early, never an admission) is rare.
 */
export class DurableRateLimits implements RateLimits {
  constructor(private readonly namespace: DurableObjectNamespace<KeyLimits>) {}

  async take(limits: readonly RateLimit[]): Promise<Taken> {
    const taken: { object: DurableObjectStub<KeyLimits>; rpm: number }[] = [];
    for (const { key, rpm } of [...limits].reverse()) {
      const object = keyObject(this.namespace, key);
      const answer = (await object.take(rpm)) as BucketAnswer;
      if (!answer.ok) {
        await Promise.all(taken.map((t) => t.object.giveBack(t.rpm))).catch((error: unknown) =>
          // A token not given back refills at the bucket's pace: a lost give-back only makes the limit stricter.
          console.error("rate limit give-back:", error),
        );
        return { ok: false, key, rpm, retryAfter: answer.retryAfter };
      }
      taken.push({ object, rpm });
    }
    return { ok: true };
  }
}

/**
 * Daily token budgets kept by each key's KeyLimits object: a call holds its estimate with the
 * object of every budget it is under, all at once; when one of them refuses, the holds the others
 * gave are released unspent. A call that would fit once calls in flight settle waits on the object
 * that refused it, which answers at its next release.
 */
export class DurableBudgets implements BudgetBook {
  constructor(private readonly namespace: DurableObjectNamespace<KeyLimits>) {}

  spentToday(level: BudgetLevel): Promise<number> {
    return keyObject(this.namespace, level.key).spent() as Promise<number>;
  }

  async reserve(chain: readonly BudgetLevel[], estimate: number, deadline: number): Promise<Hold | Refusal> {
    const objects = chain.map(({ key }) => keyObject(this.namespace, key));
    const answers = (await Promise.all(chain.map(({ budget }, i) => objects[i]!.hold(budget, estimate, deadline)))) as HoldAnswer[];
    const holds = answers.flatMap((answer, i) => ("id" in answer ? [{ object: objects[i]!, id: answer.id }] : []));
    // A release that fails leaves the hold to lapse after its deadline, counted as spent (see DayBook).
    const release = (spentTokens: number) =>
      Promise.all(holds.map(({ object, id }) => object.release(id, spentTokens))).then(
        () => undefined,
        (error: unknown) => console.error("budget release:", error),
      );
    if (holds.length === chain.length) return { release };
    await release(0);
    const refused = chain.flatMap((level, i) => {
      const answer = answers[i]!;
      return "id" in answer ? [] : [{ level, object: objects[i]!, ...answer }];
    });
    const never = refused.find(({ level, spent }) => spent + estimate > level.budget);
    if (never) return { level: never.level, spent: never.spent };
    const { level, spent, object, releases } = refused[0]!;
    // An object that cannot be reached to wait on is asked again at once, by the next reservation.
    const settled = (object.settled(releases, deadline) as Promise<void>).catch(() => undefined);
    return { level, spent, settled };
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
