/**
 * Timers that resume paused batches when their pause ends (their owner's budget renews at the next
 * UTC day). Unreferenced, so they never keep a process alive; a process that stops loses them, and
 * the next one schedules them again from the database (BatchService.resumeAll).
 */
export class WakeUps {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(private readonly now: () => number) {}

  /** Calls `wake` at `at` (at once if it has passed), unless a wake-up for the batch is already set. */
  schedule(id: string, at: number, wake: () => Promise<void>): void {
    if (this.timers.has(id)) return;
    // setTimeout holds at most 2^31 − 1 ms (24.8 days); a pause lasts less than a day.
    const delay = Math.min(Math.max(0, at - this.now()), 2 ** 31 - 1);
    const timer = setTimeout(() => {
      this.timers.delete(id);
      wake().catch((error) => console.error(`[batch ${id}] could not resume`, error));
    }, delay);
    (timer as { unref?: () => void }).unref?.();
    this.timers.set(id, timer);
  }

  clear(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
