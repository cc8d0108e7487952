import { defineConfig } from "vitest/config";

// `vitest run` runs both projects: Node (in-process, end to end, unit) and the Worker suite
// inside workerd (vitest.worker.config.ts). `--project node` or `--project workerd` picks one.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "node",
          include: ["test/**/*.test.ts"],
          exclude: ["test/worker/**"],
          testTimeout: 20_000,
          hookTimeout: 20_000,
          pool: "forks",
        },
      },
      "./vitest.worker.config.ts",
    ],
  },
});
