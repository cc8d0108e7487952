// Batch helpers shared by the batch contract and the processes that make its references. No vitest
// and no Node imports: they load in workerd and in global setups alike.
import type { Client } from "../support/client";

/** What a Node process of its own made of the contract batch: its view and its results, as served. */
export interface NodeBatchRun {
  view: any;
  results: string;
}

/** Polls a batch until it is no longer running and no item is in flight. */
export async function settled(client: Client, id: string, headers: Record<string, string> = {}, timeoutMs = 25_000): Promise<any> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { json } = await client.send("GET", `/v1/batches/${id}`, undefined, headers);
    if (json.status !== "running" && json.counts.running === 0) return json;
    if (Date.now() > until) throw new Error(`batch ${id} still ${json.status}: ${JSON.stringify(json.counts)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
