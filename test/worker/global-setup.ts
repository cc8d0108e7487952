// Runs in Node before the Worker suite: starts the fake upstream, whose loopback URL the tests in
// workerd reach (workerd may fetch 127.0.0.1), and has the Node service grade one request so that
// the Worker can be shown Node's rows, and the contract batch, so that the Worker's batches can be
// held to Node's results.
import type { TestProject } from "vitest/node";
import { NODE_SEEDED_EVALUATION } from "../contract/fixtures";
import { localControl } from "../support/fake-control";
import { startFakeUpstream } from "../support/fake-upstream";
import { nodeBatchRun } from "../support/node-batch";
import { makeApp, upstreamEnv } from "../support/harness";

export default async function setup(project: TestProject) {
  // On the port the Worker's own bindings name (vitest.worker.config.ts), for its queue consumer.
  const fake = await startFakeUpstream({ port: Number(process.env.TICKBOX_TEST_UPSTREAM_PORT ?? 0) });
  const node = makeApp(upstreamEnv(fake));
  const graded = await node.post("/v1/evaluations", NODE_SEEDED_EVALUATION);
  if (graded.status !== 200) throw new Error(`the Node service could not grade the seed request: ${graded.text}`);
  const { store } = node.services;
  project.provide("upstreamUrl", fake.baseUrl);
  project.provide("nodeSeededRows", {
    checklists: [(await store.checklistById("default", graded.json.checklist.id))!],
    evaluations: [(await store.evaluationById("default", graded.json.id))!],
  });
  fake.reset();
  project.provide("nodeBatchRun", await nodeBatchRun(localControl(fake)));
  return async () => {
    node.close();
    await fake.close();
  };
}
