// The contract batch graded by a Node process's batch service of its own (a fresh in-memory
// database), against a fake upstream: the reference the other runtimes' batches are held to.
import { makeApp } from "./harness";
import type { UpstreamControl } from "./fake-control";
import { upstreamVars } from "./upstream-vars";
import { type NodeBatchRun, settled } from "../contract/settle";
import { CONTRACT_BATCH_ITEMS, CONTRACT_BATCH_SCRIPT } from "../contract/fixtures";

export async function nodeBatchRun(upstream: UpstreamControl): Promise<NodeBatchRun> {
  await upstream.reset();
  await upstream.script(CONTRACT_BATCH_SCRIPT);
  const node = makeApp(upstreamVars(upstream.baseUrl), { background: true });
  try {
    const created = await node.post("/v1/batches?concurrency=3", CONTRACT_BATCH_ITEMS);
    if (created.status !== 202) throw new Error(`the Node service refused the contract batch: ${created.text}`);
    const view = await settled(node, created.json.id);
    const results = (await node.get(`/v1/batches/${created.json.id}/results`)).text;
    return { view, results };
  } finally {
    await node.services.batches?.stop();
    node.close();
    await upstream.reset();
  }
}
