import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import worker from "../../src/worker";
import type { BatchMessage } from "../../src/batches/queue-runner";
import { type Client, clientOver } from "../support/client";

/** The Worker's bindings for a test's vars: its D1, batch queue and Durable Objects (as in wrangler.toml). */
export const bindingsWith = (vars: Record<string, string>) => ({
  ...vars,
  DB: env.DB,
  BATCH_QUEUE: env.BATCH_QUEUE,
  BATCH_GATES: env.BATCH_GATES,
  KEY_LIMITS: env.KEY_LIMITS,
});

/**
 * A client of the Worker entry over these bindings (a new env object: a new isolate's services).
 * `flushed` waits for what its responses left to do (their usage written to D1).
 */
export function workerClient(bindings: Record<string, unknown>): Client & { flushed(): Promise<void> } {
  const contexts: ExecutionContext[] = [];
  const client = clientOver((request) => {
    const ctx = createExecutionContext();
    contexts.push(ctx);
    return worker.fetch(request, bindings as never, ctx);
  });
  return { ...client, flushed: async () => void (await Promise.all(contexts.splice(0).map((ctx) => waitOnExecutionContext(ctx)))) };
}

/** A queue that keeps what is sent to it, for a test to deliver by hand. */
export function capturingQueue() {
  const sent: { body: BatchMessage; delaySeconds?: number }[] = [];
  return {
    sent,
    take: () => sent.splice(0),
    async send(body: BatchMessage, options?: { delaySeconds?: number }) {
      sent.push({ body, ...options });
    },
    async sendBatch(messages: Iterable<{ body: BatchMessage; delaySeconds?: number }>) {
      sent.push(...messages);
    },
  };
}

export interface Delivery {
  id: string;
  timestamp: Date;
  attempts: number;
  body: unknown;
}

/** A message as the queue hands it to a consumer; the same message delivered again keeps its id. */
export const delivery = (body: unknown, attempts = 1): Delivery => ({ id: crypto.randomUUID(), timestamp: new Date(), attempts, body });

/** Delivers messages to the Worker's queue() handler, as the queue named would, and says what it acked and retried. */
export async function deliver(bindings: Record<string, unknown>, messages: Delivery[], queue = "tickbox-batches") {
  const batch = createMessageBatch(queue, messages);
  const ctx = createExecutionContext();
  await worker.queue(batch, bindings as never);
  return getQueueResult(batch, ctx);
}
