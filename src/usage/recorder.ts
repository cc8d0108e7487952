import type { UsageStore } from "../store/usage-store";
import { utcDay } from "../store/usage-store";
import { Meter } from "./meter";

/**
 * Adds up requests' meters in memory and writes them in one pass, so that a request served from the
 * replay cache does not pay for a database write. `flush` runs on a timer (Node), before usage is
 * read, and at shutdown; a crash loses at most one interval of accounting, never a result.
 */
export class UsageRecorder {
  private pending = new Map<string, { keyId: string; tenant: string; day: string; meter: Meter; requests: number }>();

  // The UTC day changes once a day; formatting a date on every request would not.
  private day = { name: "", endsAt: 0 };

  constructor(private readonly store: UsageStore) {}

  private dayOf(now: number): string {
    if (now >= this.day.endsAt || now < this.day.endsAt - 86_400_000) {
      this.day = { name: utcDay(now), endsAt: (Math.floor(now / 86_400_000) + 1) * 86_400_000 };
    }
    return this.day.name;
  }

  add(keyId: string, tenant: string, meter: Meter, now = Date.now()): void {
    const day = this.dayOf(now);
    const slot = `${keyId}\n${day}`;
    let entry = this.pending.get(slot);
    if (!entry) {
      entry = { keyId, tenant, day, meter: new Meter(), requests: 0 };
      this.pending.set(slot, entry);
    }
    entry.requests++;
    if (meter.byModel.size > 0) for (const [model, usage] of meter.byModel) entry.meter.charge(model, usage);
    entry.meter.cacheHits += meter.cacheHits;
    entry.meter.tokensSaved += meter.tokensSaved;
  }

  /** Tokens a key has spent today, written or not. */
  async tokensToday(keyId: string, now = Date.now()): Promise<number> {
    const day = this.dayOf(now);
    let pending = 0;
    for (const u of this.pending.get(`${keyId}\n${day}`)?.meter.byModel.values() ?? []) pending += u.prompt_tokens + u.completion_tokens;
    return pending + (await this.store.tokensOn(keyId, day));
  }

  async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    for (const { keyId, tenant, day, meter, requests } of batch.values()) {
      await this.store.record(keyId, tenant, day, meter, requests);
    }
  }
}
