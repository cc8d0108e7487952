import type { Metrics } from "../metrics";
import { SingleFlight } from "./single-flight";

/**
 * Read-through cache over the store, with single-flight: the first caller for a fingerprint looks
 * it up and, on a miss, computes and stores it; concurrent callers for it wait for that one result
 * rather than looking up or computing again. A failed computation stores nothing and is not
 * remembered.
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
    const { promise, shared } = this.flights.do(`${kind}:${fingerprint}`, async () => {
      const found = await lookup();
      return found ? { row: found, computed: false } : { row: await compute(), computed: true };
    });
    const { row, computed } = await promise;
    this.metrics.cache.inc({ kind, outcome: !computed ? "hit" : shared ? "shared" : "miss" });
    return { row, computed: computed && !shared };
  }
}
