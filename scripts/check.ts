// Everything that is not a test, in one command (npm run check): each step runs even when an
// earlier one failed, so one run lists every problem; the exit status fails if any step failed.
import { spawnSync } from "node:child_process";

const steps = ["typecheck", "lint", "format:check", "openapi:check", "client:check", "knip"];

const failed: string[] = [];
for (const step of steps) {
  console.log(`\n── npm run ${step}`);
  const { status } = spawnSync("npm", ["run", "--silent", step], { stdio: "inherit" });
  if (status !== 0) failed.push(step);
}
console.log(failed.length === 0 ? "\ncheck: every step passed" : `\ncheck: failed: ${failed.join(", ")}`);
process.exit(failed.length === 0 ? 0 : 1);
