/**
 * Like Promise.all, but answers only once every task has settled, so a request never responds
 * while its own upstream calls are still running; then throws the failure of the lowest index,
 * passed through `failure` (to say which task it was).
 */
export async function settleAll<const P extends readonly Promise<unknown>[]>(
  tasks: P,
  failure: (index: number, error: unknown) => unknown = (_, e) => e,
): Promise<{ -readonly [K in keyof P]: Awaited<P[K]> }> {
  const settled = await Promise.allSettled(tasks);
  const failed = settled.findIndex((s) => s.status === "rejected");
  if (failed >= 0) throw failure(failed, (settled[failed] as PromiseRejectedResult).reason);
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as { -readonly [K in keyof P]: Awaited<P[K]> };
}
