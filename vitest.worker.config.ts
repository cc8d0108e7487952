// The Worker suite: tests run inside workerd (the runtime `wrangler deploy` targets), with the
// D1 binding from wrangler.toml and the migrations from migrations/.
import { resolve } from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [
    cloudflareTest(async () => ({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: { TEST_MIGRATIONS: await readD1Migrations(resolve(import.meta.dirname, "migrations")) },
      },
    })),
  ],
  test: {
    name: "workerd",
    include: ["test/worker/**/*.test.ts"],
    globalSetup: ["test/worker/global-setup.ts"],
    setupFiles: ["test/worker/apply-migrations.ts"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
