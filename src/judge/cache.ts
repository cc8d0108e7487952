import type { Metrics } from "../metrics";
import { SingleFlight } from "../llm/limiter";

/**
 * Read-through cache over the store, with single-flight: the first caller for a fingerprint
 * computes and stores; concurrent callers for it wait for that one result. A failed computation
 * stores nothing and is not remembered.
 */
export class ResultCache {
  private readonly flights = new SingleFlight();

  constructor(private readonly metrics: Metrics) {}

  async getOrCompute<Row>(
    kind: string,
    fingerprint: string,
    lookup: () => Promise<Row | undefined>,
    compute: () => Promise<Row>,
  ): Promise<{ row: Row; computed: boolean }> {
    const found = await lookup();
    if (found) {
      this.metrics.cache.inc({ kind, outcome: "hit" });
      return { row: found, computed: false };
    }
    let ran = false;
    const { promise, shared } = this.flights.do(`${kind}:${fingerprint}`, async () => {
      // Another process (or isolate) may have stored it since the first lookup.
      const late = await lookup();
      if (late) return late;
      ran = true;
      return compute();
    });
    const row = await promise;
    this.metrics.cache.inc({ kind, outcome: shared ? "shared" : ran ? "miss" : "hit" });
    return { row, computed: !shared && ran };
  }
}
