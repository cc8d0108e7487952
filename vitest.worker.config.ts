// The Worker suite: tests run inside workerd (the runtime `wrangler deploy` targets), with the
// bindings of wrangler.toml (D1, the batch queue and its dead-letter queue, the Durable Objects)
// and the migrations from migrations/.
import { createServer } from "node:net";
import { resolve } from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { unstable_readConfig } from "wrangler";

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

// The queue consumer runs with the Worker's own bindings, not a test's: they point it at the fake
// upstream, which the global setup starts on this port (test/worker/global-setup.ts).
process.env.TICKBOX_TEST_UPSTREAM_PORT ||= String(await freePort());
const upstreamUrl = `http://127.0.0.1:${process.env.TICKBOX_TEST_UPSTREAM_PORT}/v1`;
// The consumers of wrangler.toml, delivering as soon as a message is sent (a test waits for little).
// Given here, a consumer's settings replace wrangler.toml's whole, so the rest is copied over.
const consumers = Object.fromEntries(
  (unstable_readConfig({ config: resolve(import.meta.dirname, "wrangler.toml") }).queues.consumers ?? []).map(
    (c: { queue: string; max_batch_size?: number; max_retries?: number; dead_letter_queue?: string }) => [
      c.queue,
      {
        maxBatchSize: c.max_batch_size,
        maxRetries: c.max_retries,
        maxBatchTimeout: 0.05,
        ...(c.dead_letter_queue ? { deadLetterQueue: c.dead_letter_queue } : {}),
      },
    ],
  ),
);

export default defineConfig({
  plugins: [
    cloudflareTest(async () => ({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          TEST_MIGRATIONS: await readD1Migrations(resolve(import.meta.dirname, "migrations")),
          // The vars of test/support/upstream-vars.ts.
          OPENAI_BASE_URL: upstreamUrl,
          OPENAI_API_KEY: "test-key",
          TICKBOX_JUDGE_MODEL: "judge-test",
          TICKBOX_UPSTREAM_RETRIES: "0",
          TICKBOX_UPSTREAM_TIMEOUT_MS: "5000",
          // Retries at once, and a breaker that lets a probe through after a second.
          TICKBOX_BATCH_RETRY_SECONDS: "0",
          TICKBOX_BREAKER_COOLDOWN_MS: "1000",
        },
        queueConsumers: consumers,
      },
    })),
  ],
  test: {
    name: "workerd",
    include: ["test/worker/**/*.test.ts"],
    globalSetup: ["test/worker/global-setup.ts"],
    setupFiles: ["test/worker/apply-migrations.ts"],
    // The files share one fake upstream, whose calls they count: one file at a time.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 20_000,
  },
});
