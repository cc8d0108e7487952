// Workers only: the queue() handler's work, for the batch queue and its dead-letter queue.
import type { Services } from "../env";

/**
 * Hands a delivery to the batch consumer (src/batches/queue-work.ts), then writes the usage its
 * items added (no timer outlives an invocation). Without a batch service (no BATCH_QUEUE binding)
 * the messages are retried, so that none is lost while the deployment is set up.
 */
export async function consumeBatches(batch: MessageBatch<unknown>, services: Services, deadLetterQueue: string): Promise<void> {
  const consumer = services.batches?.consumer;
  if (!consumer) {
    console.error(`queue ${batch.queue}: messages arrived, but the Worker has no BATCH_QUEUE binding to work on batches with`);
    batch.retryAll();
    return;
  }
  try {
    await consumer.deliver(batch.messages, batch.queue === deadLetterQueue);
  } finally {
    await services.usage.recorder.flush().catch((error) => console.error("usage accounting:", error));
  }
}
