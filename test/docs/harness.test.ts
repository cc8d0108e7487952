// The docs tests are only as good as their reading of Markdown and their runner: a splitter that
// merged commands, a shape check that passed anything, or a shell that hid an HTTP error would let
// a wrong example through. Each is checked here on cases with a known answer.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTempDirs } from "../support/temp-dirs";
import { anchors, blocks, commands, noRunReason } from "./markdown";
import { shapeDifferences } from "./shape";
import { Shell, writeIn } from "./shell";

describe("reading Markdown", () => {
  it("cuts a shell block into the commands bash would run", () => {
    const script = [
      "# a comment line",
      "curl -s localhost:8787/v1/checklists -H 'content-type: application/json' \\",
      '  -d \'{"instruction": "Say hi.',
      "# not a comment: inside quotes\"}'",
      "ID=$(node -p 'require(\"./x.json\").id')   # a trailing comment",
      "cat > items.jsonl <<'END'",
      '{"a": 1}',
      "END",
      "for x in a b; do",
      '  echo "$x"',
      "done",
      "",
      "echo 'it''s' <<< here-string",
    ].join("\n");
    const cut = commands(script);
    expect(cut).toHaveLength(5);
    expect(cut[0]).toContain("# not a comment");
    expect(cut[1]).toMatch(/^ID=/);
    expect(cut[2]).toMatch(/^cat > items.jsonl <<'END'\n\{"a": 1\}\nEND$/);
    expect(cut[3]).toMatch(/^for x in a b; do\n[\s\S]*done$/);
    expect(cut[4]).toMatch(/^echo 'it''s'/);
    expect(() => commands("echo 'unterminated")).toThrow(/incomplete/);
  });

  it("reads fences with their info strings, and GitHub's anchors", () => {
    const page = "# Title\n\n```sh no-run: needs an account\nx\n```\n\n## A `code` heading, twice\n\n## A `code` heading, twice\n\n```json output\n{}\n```\n";
    const found = blocks(page);
    expect(found.map((b) => [b.lang, noRunReason(b), b.meta])).toEqual([
      ["sh", "needs an account", "no-run: needs an account"],
      ["json", null, "output"],
    ]);
    expect([...anchors(page)]).toEqual(["title", "a-code-heading-twice", "a-code-heading-twice-1"]);
  });
});

describe("the shape of an answer shown", () => {
  const answer = { id: "ev_1", scores: { weighted: 1, soft: null }, results: [{ item_id: "q1", verdict: "YES" }] };

  it("passes what the answer has, values aside", () => {
    expect(shapeDifferences({ id: "ev_2", scores: { weighted: 0.5, soft: 0.4 }, results: [{ verdict: "NO" }] }, answer)).toEqual([]);
  });

  it("names a member the answer lacks, a type it does not have, and elements it does not hold", () => {
    expect(shapeDifferences({ scores: { pass_rate: 1 } }, answer)).toEqual(["/scores/pass_rate: shown, but not in the answer"]);
    expect(shapeDifferences({ id: 7 }, answer)).toEqual(["/id: shown number, got string"]);
    expect(shapeDifferences({ results: [{ rationale: "why" }] }, answer)).toEqual(["/results/0/rationale: shown, but not in the answer"]);
    expect(shapeDifferences({ results: [{}] }, { results: [] })).toEqual(["/results: shown 1 elements, got none"]);
  });
});

describe("the shell the examples run in", () => {
  const dirs = useTempDirs("tickbox-docs-shell-");
  let server: ReturnType<typeof createServer>;
  let port = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      res.writeHead(req.url === "/ok" ? 200 : 404, { "content-type": "application/json" });
      res.end(JSON.stringify({ url: req.url }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("keeps variables from one command to the next, and fails a curl that gets an error status", async () => {
    const dir = dirs();
    const curlHome = join(dir, ".curl");
    writeIn(curlHome, ".curlrc", "fail-with-body\nshow-error\n");
    const shell = new Shell(dir, { ...process.env, CURL_HOME: curlHome }, join(dir, ".out"));
    try {
      expect((await shell.run(`URL=http://127.0.0.1:${port}`, 10_000)).code).toBe(0);
      const ok = await shell.run('curl -s "$URL/ok"', 10_000);
      expect(ok).toMatchObject({ code: 0, stdout: '{"url":"/ok"}' });
      const missing = await shell.run('curl -s "$URL/missing" | cat', 10_000);
      expect(missing.code, "pipefail carries curl's failure through the pipe").toBe(22);
      expect(missing.stdout).toBe('{"url":"/missing"}');
      expect((await shell.run("false", 10_000)).code).toBe(1);
    } finally {
      await shell.stop();
    }
  });
});
