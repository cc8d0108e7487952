import { ProblemError } from "./errors";

/**
 * What the runtime under the service can do beyond answering requests. Node is one long-running
 * process; a Worker isolate lives for a request (plus `waitUntil`), so work that outlives the
 * request, such as background batches, runs there only on a queue, when the Worker has one bound
 * (src/worker.ts then says `background: true`).
 */
export interface Capabilities {
  background: boolean;
}

export const nodeCapabilities: Capabilities = { background: true };
export const workerCapabilities: Capabilities = { background: false };

/** Throws the 501 a feature answers on a deployment that cannot run it, naming where it runs. */
export function requireCapability(capabilities: Capabilities, capability: keyof Capabilities, feature: string): void {
  if (capabilities[capability]) return;
  throw new ProblemError(
    "not_implemented",
    `${feature} needs a long-running process and is not available on Cloudflare Workers; use the Node deployment (npm start)`,
  );
}
