/**
 * Concurrent callers asking for the same key share one in-flight promise. The entry is dropped
 * when it settles, so a failure is never remembered: the next caller tries again.
 */
export class SingleFlight {
  private readonly inflight = new Map<string, Promise<unknown>>();

  do<T>(key: string, task: () => Promise<T>): { promise: Promise<T>; shared: boolean } {
    const existing = this.inflight.get(key);
    if (existing) return { promise: existing as Promise<T>, shared: true };
    const promise = task().finally(() => this.inflight.delete(key));
    this.inflight.set(key, promise);
    return { promise, shared: false };
  }
}
