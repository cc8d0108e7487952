// Every example in README.md and docs/ is run, page by page and in order, as a reader would run it:
// `npm start` (a fresh SQLite file per page) pointed at a fake upstream model, and one bash session
// per page in a scratch folder, so that ids captured by one command serve the next.
//
// - ```sh blocks: every command must exit 0; when it prints JSON (or JSON Lines), that must parse.
//   curl reads a .curlrc with `fail-with-body`, so an HTTP error answer is a failed command rather
//   than a problem body printed with exit status 0.
// - ```json / ```jsonl blocks must parse; one marked `output` must have the shape of what the last
//   command that printed anything printed (every member shown is in the answer, with a value of its type).
// - ```ts blocks are type-checked (strict) and run with tsx, `tickbox-client` read from client/src.
// - ```yaml blocks must parse.
// - A block marked `no-run: <reason>` is not run; the test lists them with their reasons.
// - A page with `<!-- examples: admin-key -->` runs against a server with TICKBOX_ADMIN_KEY, which
//   its shell has too.
//
// The fake upstream answers like a judge that has its reasons: each verdict (and its p(YES)) is a
// fixed function of the item and the text graded, about three in four YES, so that rankings,
// failed items and refinements have something to show.
//
// The docs say `localhost:8787` (the default port); the test serves each page on a free port and
// points those commands, and the CLI's TICKBOX_SERVER, at it.
import type { ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { type FakeCall, type FakeUpstream, type ItemAnswer, startFakeUpstream } from "../support/fake-upstream";
import { upstreamVars } from "../support/upstream-vars";
import { type Block, blocks, commands, noRunReason, pages, read, root } from "./markdown";
import { parseJsonOrLines, shapeDifferences } from "./shape";
import { npmStart, Shell, stopGroup, writeIn } from "./shell";

const ADMIN_KEY = "docs-operator-key-7f3a9c1e5b2d";
const SHELL_LANGS = new Set(["sh", "bash", "shell"]);
// Every block names its language (`text` for plain text), so that a stray fence shows up here.
const KNOWN_LANGS = new Set([...SHELL_LANGS, "json", "jsonl", "ts", "yaml", "text", "csv"]);
const COMMAND_TIMEOUT_MS = 120_000;
const scratch = resolve(root, "test-artifacts/docs-examples");

let fake: FakeUpstream;
beforeAll(async () => {
  fake = await startFakeUpstream();
});
afterAll(async () => {
  await fake?.close();
});

const runnable = (b: Block) => noRunReason(b) === null && (SHELL_LANGS.has(b.lang) || b.lang === "ts");

describe("every example in the docs", () => {
  it("is in a language the test knows, holds no placeholder, and when left out says why", () => {
    const notRun: string[] = [];
    for (const page of pages()) {
      for (const block of blocks(read(page))) {
        const where = `${page}:${block.line}`;
        expect(
          KNOWN_LANGS.has(block.lang),
          `${where}: a block in ${block.lang ? `\`${block.lang}\`` : "no language"}; name one the test knows (\`text\` for plain text)`,
        ).toBe(true);
        const reason = noRunReason(block);
        if (reason === null) {
          // A placeholder cannot be pasted: `ev_…` is a 404, `{"a": …}` a 400.
          if (block.lang !== "text") expect(block.text.includes("…"), `${where}: a placeholder (…) in an example`).toBe(false);
          continue;
        }
        expect(reason.length, `${where}: \`no-run\` needs a reason (\`no-run: <why>\`)`).toBeGreaterThan(10);
        notRun.push(`  ${where} (${block.lang}): ${reason}`);
      }
    }
    console.info(`${notRun.length} example blocks are not run:\n${notRun.join("\n")}`);
  });

  for (const page of pages()) {
    const markdown = read(page);
    if (!blocks(markdown).some(runnable)) continue;
    it(`${page}: runs in order against npm start`, { timeout: 600_000 }, async () => {
      await runPage(page, markdown);
    });
  }
});

async function runPage(page: string, markdown: string): Promise<void> {
  const dir = join(scratch, page.replace(/[/.]/g, "_"));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  fake.reset();
  fake.answer = judgeLike;
  const secured = /<!--\s*examples:\s*admin-key\s*-->/.test(markdown);
  const serverEnv: Record<string, string> = {
    ...upstreamVars(fake.baseUrl),
    // The model the README points a reader at, which the pages' profiles name as their judge.
    TICKBOX_JUDGE_MODEL: "gpt-4o-mini",
    TICKBOX_DB: join(dir, "tickbox.db"),
    ...(secured ? { TICKBOX_ADMIN_KEY: ADMIN_KEY } : {}),
  };
  const curlHome = join(dir, ".curl");
  writeIn(curlHome, ".curlrc", "fail-with-body\nshow-error\n");
  let server: { url: string; child: ChildProcess } | undefined;
  let shell: Shell | undefined;
  try {
    server = await npmStart(serverEnv);
    const hostPort = new URL(server.url).host;
    const env: Record<string, string | undefined> = {
      ...process.env,
      ...serverEnv,
      PORT: undefined,
      TICKBOX_SERVER: server.url,
      CURL_HOME: curlHome,
      // npx must find the local `tickbox` bin, never fetch a package of that name.
      npm_config_offline: "true",
      NO_COLOR: "1",
    };
    shell = new Shell(dir, env, join(dir, ".out"));
    let last: { where: string; stdout: string } | null = null;
    for (const block of blocks(markdown)) {
      const where = `${page}:${block.line}`;
      if (noRunReason(block) !== null) continue;
      if (SHELL_LANGS.has(block.lang)) {
        for (const command of commands(block.text)) {
          const ran = await shell.run(command.replaceAll("localhost:8787", hostPort).replaceAll("127.0.0.1:8787", hostPort), COMMAND_TIMEOUT_MS);
          const report = `${where}\n$ ${command}\n--- exit ${ran.code}; stdout:\n${ran.stdout.slice(0, 2000)}\n--- stderr:\n${ran.stderr.slice(-2000)}`;
          expect(ran.code, report).toBe(0);
          checkJsonOutput(ran.stdout, report);
          if (ran.stdout.trim()) last = { where, stdout: ran.stdout };
        }
      } else if (block.lang === "ts") {
        // Type-checked strictly, then run; `tickbox-client` is client/src, by the scratch folder's tsconfig.
        const file = `example-${block.line}.mts`;
        writeIn(dir, file, block.text.replaceAll("127.0.0.1:8787", hostPort));
        writeIn(dir, "tsconfig.json", JSON.stringify(exampleTsconfig(file)));
        for (const command of [`npx tsc -p tsconfig.json`, `node --import tsx ${file}`]) {
          const ran = await shell.run(command, COMMAND_TIMEOUT_MS);
          const report = `${where}\n$ ${command}\n--- exit ${ran.code}; stdout:\n${ran.stdout.slice(0, 2000)}\n--- stderr:\n${ran.stderr.slice(-2000)}`;
          expect(ran.code, report).toBe(0);
          if (ran.stdout.trim()) last = { where, stdout: ran.stdout };
        }
      } else if (block.lang === "json" || block.lang === "jsonl") {
        const shown =
          block.lang === "json"
            ? [JSON.parse(block.text)]
            : block.text
                .split("\n")
                .filter((l) => l.trim())
                .map((l) => JSON.parse(l));
        if (block.meta === "output") {
          expect(last, `${where}: an output block with no command before it`).not.toBeNull();
          const actual = parseJsonOrLines(last!.stdout.trim()).values;
          const differences = shown.flatMap((value, i) => shapeDifferences(value, block.lang === "json" ? actual[0] : actual[Math.min(i, actual.length - 1)]));
          expect(differences, `${where}: the answer shown is not the shape of what ${last!.where} printed:\n${last!.stdout.slice(0, 3000)}`).toEqual([]);
        }
      } else if (block.lang === "yaml") {
        expect(() => parseYaml(block.text), where).not.toThrow();
      }
    }
  } finally {
    await shell?.stop();
    if (server) await stopGroup(server.child);
  }
}

/** Strict settings for a page's TypeScript example, with the client package read from its source. */
function exampleTsconfig(file: string) {
  return {
    compilerOptions: {
      target: "es2023",
      lib: ["es2023"],
      module: "esnext",
      moduleResolution: "bundler",
      types: ["node"],
      strict: true,
      exactOptionalPropertyTypes: true,
      noUncheckedIndexedAccess: true,
      noEmit: true,
      paths: { "tickbox-client": [resolve(root, "client/src/index.ts")] },
    },
    files: [file],
  };
}

/** A verdict that depends on the item and on everything the grading call carries. */
function judgeLike(itemId: string, _index: number, call: FakeCall): ItemAnswer {
  const digest = createHash("sha256")
    .update(`${itemId}\n${JSON.stringify(call.body?.messages?.at(-1)?.content ?? "")}`)
    .digest();
  const yes = digest[0]! % 4 !== 0;
  const p = 0.6 + (digest[1]! / 255) * 0.39;
  return { verdict: yes ? "YES" : "NO", p_yes: Number((yes ? p : 1 - p).toFixed(3)) };
}

/** Output that starts like JSON must be JSON, or JSON Lines. */
function checkJsonOutput(stdout: string, report: string): void {
  const text = stdout.trim();
  if (!text.startsWith("{") && !text.startsWith("[")) return;
  expect(() => parseJsonOrLines(text), report).not.toThrow();
}

// The json/jsonl blocks that are not run still have to parse: a reader pastes them.
describe("JSON shown in the docs", () => {
  it("parses, every block and every line of JSON Lines", () => {
    for (const page of pages()) {
      for (const block of blocks(read(page))) {
        if (block.lang === "json") expect(() => JSON.parse(block.text), `${page}:${block.line}`).not.toThrow();
        if (block.lang === "jsonl") {
          for (const line of block.text.split("\n").filter((l) => l.trim())) expect(() => JSON.parse(line), `${page}:${block.line}: ${line}`).not.toThrow();
        }
      }
    }
  });
});
