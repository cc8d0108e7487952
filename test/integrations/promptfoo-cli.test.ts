// The real promptfoo CLI grading through tickbox's webhook route. promptfoo is large, so it is not a
// dependency: scripts/promptfoo-e2e.sh installs a pinned version and sets PROMPTFOO_BIN.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer } from "../../src/server";
import { type FakeUpstream, startFakeUpstream } from "../support/fake-upstream";
import { infobench, upstreamEnv } from "../support/harness";

const bin = process.env.PROMPTFOO_BIN;
let fake: FakeUpstream;
let server: Awaited<ReturnType<typeof startServer>>;
let dir: string;

describe.skipIf(!bin)("promptfoo CLI with a tickbox webhook assertion", () => {
  beforeAll(async () => {
    fake = await startFakeUpstream();
    // Every verdict is YES, except for responses marked for failure.
    fake.answer = (_id, _index, call) =>
      JSON.stringify(call.body.messages).includes("MARKED-TO-FAIL") ? { verdict: "NO", p_yes: 0.05 } : { verdict: "YES", p_yes: 0.95 };
    server = await startServer({ ...upstreamEnv(fake), TICKBOX_DB: ":memory:", PORT: "0" });
    dir = mkdtempSync(join(tmpdir(), "tickbox-promptfoo-"));
  });
  afterAll(async () => {
    await server?.stop();
    await fake?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("reports pass and fail as tickbox graded them", async () => {
    const row = infobench[0]!;
    // promptfoo expands a list var into one test per element, so a checklist is one question per line.
    const checklist = row.decomposed_questions.join("\n");
    const config = {
      description: "tickbox as promptfoo's grader",
      prompts: ["{{response}}"],
      // The echo provider returns the prompt, so each test's output is its `response` var.
      providers: ["echo"],
      defaultTest: { assert: [{ type: "webhook", value: `${server.url}/v1/integrations/promptfoo` }] },
      tests: [
        { description: "passes", vars: { instruction: row.instruction, response: row.output, checklist } },
        { description: "fails", vars: { instruction: row.instruction, response: `${row.output} MARKED-TO-FAIL`, checklist } },
        { description: "generated checklist", vars: { instruction: "Write a haiku about autumn rain.", response: "Cold rain on the eaves" } },
      ],
    };
    writeFileSync(join(dir, "promptfooconfig.yaml"), stringify(config));
    const code = await new Promise<number | null>((done) => {
      const child = spawn(bin!, ["eval", "-c", "promptfooconfig.yaml", "--no-cache", "--no-table", "-o", "out.json"], {
        cwd: dir,
        env: {
          ...process.env,
          PROMPTFOO_DISABLE_TELEMETRY: "1",
          PROMPTFOO_DISABLE_UPDATE: "1",
          PROMPTFOO_CONFIG_DIR: join(dir, "promptfoo-home"),
        },
        stdio: ["ignore", "inherit", "inherit"],
      });
      child.on("exit", done);
    });
    // promptfoo exits 100 when some test failed.
    expect(code).toBe(100);
    const out = JSON.parse(readFileSync(join(dir, "out.json"), "utf8"));
    const outcome = Object.fromEntries(
      out.results.results.map((r: any) => [r.testCase.description, { success: r.success, reason: r.gradingResult.reason, score: r.score }]),
    );
    expect(outcome.passes).toMatchObject({ success: true, score: 1 });
    expect(outcome.fails).toMatchObject({ success: false, score: 0 });
    expect(outcome.fails.reason).toContain(row.decomposed_questions[0]);
    expect(outcome["generated checklist"]).toMatchObject({ success: true });
    expect(fake.calls.filter((c) => c.kind === "checklist")).toHaveLength(1);
  }, 120_000);
});
