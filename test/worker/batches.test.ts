// The batch contract Node runs (test/contract/batches.ts), inside workerd: items through the real
// local queue of wrangler.toml, graded by its consumer over D1, slots held by its Durable Objects.
import { inject } from "vitest";
import { remoteControl } from "../support/fake-control";
import { type BatchTarget, batchContract } from "../contract/batches";
import { bindingsWith, workerClient } from "./bindings";

const target: BatchTarget = {
  runtime: "workerd",
  instance: (vars) => workerClient(bindingsWith(vars)),
  upstream: remoteControl(inject("upstreamUrl")),
  nodeRun: async () => inject("nodeBatchRun"),
};

batchContract(() => target);
