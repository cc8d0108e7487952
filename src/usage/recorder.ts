import type { UsageStore } from "../store/ports";
import { utcDay } from "../store/records";
import type { UsageByModel } from "../llm/usage";
import { Meter } from "./meter";

interface Entry {
  keyId: string;
  tenant: string;
  day: string;
  meter: Meter;
  requests: number;
}

/**
 * Adds up usage in memory and writes it in one pass, so that a request served from the replay
 * cache does not pay for a database write. Upstream tokens are added as each call settles (see
 * UsageLedger), requests and cache savings as each request ends. `flush` runs on a timer (Node),
 * after each response (Workers), before usage is read, and at shutdown; a crash loses at most one
 * interval of accounting, never a result.
 */
export class UsageRecorder {
  private pending = new Map<string, Entry>();
  /** Entries being written: still counted by `tokensToday` until the write is done. */
  private writing = new Map<string, Entry>();
  private flushing: Promise<void> = Promise.resolve();

  // The UTC day changes once a day; formatting a date on every request would not.
  private day = { name: "", endsAt: 0 };

  constructor(private readonly store: UsageStore) {}

  private dayOf(now: number): string {
    if (now >= this.day.endsAt || now < this.day.endsAt - 86_400_000) {
      this.day = { name: utcDay(now), endsAt: (Math.floor(now / 86_400_000) + 1) * 86_400_000 };
    }
    return this.day.name;
  }

  private entry(keyId: string, tenant: string, now: number): Entry {
    const day = this.dayOf(now);
    const slot = `${keyId}\n${day}`;
    let entry = this.pending.get(slot);
    if (!entry) {
      entry = { keyId, tenant, day, meter: new Meter(), requests: 0 };
      this.pending.set(slot, entry);
    }
    return entry;
  }

  /** One request, and what the cache saved it. Its upstream tokens come with each call (`addUpstream`). */
  addRequest(keyId: string, tenant: string, meter: Meter, now = Date.now()): void {
    const entry = this.entry(keyId, tenant, now);
    entry.requests++;
    entry.meter.cacheHits += meter.cacheHits;
    entry.meter.tokensSaved += meter.tokensSaved;
  }

  /** One upstream call's usage (every attempt of it), booked as the call settles. */
  addUpstream(keyId: string, tenant: string, call: UsageByModel, now = Date.now()): void {
    if (call.byModel.size > 0) this.entry(keyId, tenant, now).meter.absorb(call);
  }

  /** Tokens the keys have spent today, together, written or not. */
  async tokensToday(keyIds: readonly string[], now = Date.now()): Promise<number> {
    const day = this.dayOf(now);
    let unwritten = 0;
    for (const keyId of keyIds) {
      const slot = `${keyId}\n${day}`;
      for (const entry of [this.pending.get(slot), this.writing.get(slot)]) {
        for (const u of entry?.meter.byModel.values() ?? []) unwritten += u.prompt_tokens + u.completion_tokens;
      }
    }
    // While a write is under way its rows may be counted twice (here and in the table): a moment's
    // overcount, which can only refuse a reservation early, never let one through.
    return unwritten + (await this.store.tokensOn(keyIds, day));
  }

  /** Writes what is pending; flushes run one after another, so each write is counted until it is done. */
  flush(): Promise<void> {
    this.flushing = this.flushing.catch(() => undefined).then(() => this.writePending());
    return this.flushing;
  }

  private async writePending(): Promise<void> {
    if (this.pending.size === 0) return;
    this.writing = this.pending;
    this.pending = new Map();
    try {
      for (const { keyId, tenant, day, meter, requests } of this.writing.values()) {
        await this.store.record(keyId, tenant, day, meter, requests);
      }
    } finally {
      // A failed write is not retried (a crash would lose it too); it stops being counted.
      this.writing = new Map();
    }
  }
}
