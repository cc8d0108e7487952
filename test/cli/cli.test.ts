import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer } from "../../src/server";
import { infobenchItems, jsonLines, parseLines } from "../support/batches";
import { ADMIN_KEY, useFakeUpstream } from "../support/file-fake";
import { payloadOf, upstreamEnv } from "../support/harness";
import { useTempDirs } from "../support/temp-dirs";
import { tickbox } from "./run";

const fake = useFakeUpstream();
const tempDir = useTempDirs("tickbox-cli-");

describe("tickbox", () => {
  it("--help lists the commands and the exit statuses", async () => {
    const ran = await tickbox(["--help"]);
    expect(ran.code).toBe(0);
    for (const command of ["serve", "eval", "calibrate", "select", "compare"]) expect(ran.stdout).toContain(command);
    for (const status of ["0 ", "1 ", "2 ", "3 ", "4 ", "130"]) expect(ran.stdout).toMatch(new RegExp(`^ +${status}`, "m"));
    expect(ran.stdout).toContain("143 by SIGTERM");
    const evalHelp = await tickbox(["eval", "--help"]);
    expect(evalHelp.stdout).toContain("--api-key <key>");
    expect(evalHelp.stdout).toContain("env: TICKBOX_API_KEY");
    expect(evalHelp.stdout).toContain("Exit status:");
  });

  it("bad arguments and unreadable input end with status 2", async () => {
    const dir = tempDir();
    expect((await tickbox(["eval"])).code).toBe(2);
    expect((await tickbox(["eval", "x.jsonl", "--concurrency", "0"])).code).toBe(2);
    const missing = await tickbox(["eval", join(dir, "nowhere.jsonl")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("cannot read");
    writeFileSync(join(dir, "items.jsonl"), jsonLines(infobenchItems(1)));
    const unwritable = await tickbox(["eval", "items.jsonl", "--out", "no/such/folder/out.jsonl"], { cwd: dir });
    expect(unwritable.code).toBe(2);
    expect(unwritable.stderr).toContain("cannot write no/such/folder/out.jsonl");
    expect(fake.calls).toHaveLength(0);
    const few = await tickbox(["select", "Pick the best.", "only one"]);
    expect(few.code).toBe(2);
    expect(few.stderr).toContain("at least two candidates");
  });

  it("eval runs a file in this process, writes the results and a summary; the same file again grades nothing", { timeout: 30_000 }, async () => {
    const dir = tempDir();
    const items = infobenchItems(8);
    writeFileSync(join(dir, "items.jsonl"), jsonLines(items));
    const env = { ...upstreamEnv(fake), TICKBOX_DB: join(dir, "local.db") };
    const ran = await tickbox(["eval", "items.jsonl", "--out", "out.jsonl"], { env, cwd: dir });
    expect(ran.code).toBe(0);
    expect(ran.stderr).toContain("progress 8/8 (100%)");
    expect(ran.stderr).toMatch(/ETA 0s failed 0/);
    expect(ran.stderr).not.toContain("ETA ?");
    expect(ran.stderr).toMatch(/items 8: 8 graded, 0 failed/);
    expect(ran.stderr).toMatch(/upstream calls 8, cache hits 0, tokens \d+ prompt/);
    const lines = parseLines(readFileSync(join(dir, "out.jsonl"), "utf8"));
    expect(lines.map((l) => l.custom_id)).toEqual(items.map((i) => i.custom_id));

    const again = await tickbox(["eval", "items.jsonl"], { env, cwd: dir });
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(readFileSync(join(dir, "out.jsonl"), "utf8"));
    expect(fake.calls).toHaveLength(8);
  });

  it("eval names the lines a server refuses, with status 2", async () => {
    const dir = tempDir();
    const [good] = infobenchItems(1);
    writeFileSync(join(dir, "bad.jsonl"), `${JSON.stringify(good)}\n\n${JSON.stringify({ ...good, response: "" })}\n`);
    const ran = await tickbox(["eval", "bad.jsonl"], { env: { ...upstreamEnv(fake), TICKBOX_DB: join(dir, "t.db") }, cwd: dir });
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain("422");
    expect(ran.stderr).toMatch(/\/1\/response: line 3: must not be empty/);
    expect(fake.calls).toHaveLength(0);
  });

  it("an unreachable server is status 4", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "items.jsonl"), jsonLines(infobenchItems(1)));
    const ran = await tickbox(["eval", "items.jsonl", "--server", "http://127.0.0.1:9"], { cwd: dir });
    expect(ran.code).toBe(4);
    expect(ran.stderr).toContain("cannot reach http://127.0.0.1:9");
  });
});

describe("tickbox against a server that needs a key", () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let evaluator: string;
  let calibrator: string;
  beforeAll(async () => {
    server = await startServer({
      ...upstreamEnv(fake),
      TICKBOX_DB: ":memory:",
      PORT: "0",
      TICKBOX_ADMIN_KEY: ADMIN_KEY,
      TICKBOX_JUDGE_MODELS: "judge-strong",
      TICKBOX_LOG: "off",
    });
    const key = async (scopes: string[]) => {
      const res = await fetch(`${server.url}/v1/keys`, {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ name: scopes.join("+"), scopes }),
      });
      return ((await res.json()) as { key: string }).key;
    };
    evaluator = await key(["evaluate"]);
    calibrator = await key(["calibrate"]);
  });
  afterAll(() => server.stop());

  it("eval without a key is status 3 and says how to give one; with --api-key or TICKBOX_API_KEY it runs", { timeout: 30_000 }, async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "items.jsonl"), jsonLines(infobenchItems(5)));
    const args = ["eval", "items.jsonl", "--server", server.url];
    const refused = await tickbox(args, { cwd: dir });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain("401 from POST");
    expect(refused.stderr).toContain("a valid API key: give one with --api-key or the TICKBOX_API_KEY variable");

    const wrong = await tickbox([...args, "--api-key", "tbx_not-a-key"], { cwd: dir });
    expect(wrong.code).toBe(3);

    const byOption = await tickbox([...args, "--api-key", evaluator], { cwd: dir });
    expect(byOption.code).toBe(0);
    expect(parseLines(byOption.stdout)).toHaveLength(5);

    const byVariable = await tickbox(args, { cwd: dir, env: { TICKBOX_API_KEY: evaluator } });
    expect(byVariable.code).toBe(0);
    expect(byVariable.stdout).toBe(byOption.stdout);

    // A key without the scope the batch needs: 403, the same status.
    const forbidden = await tickbox(args, { cwd: dir, env: { TICKBOX_API_KEY: calibrator } });
    expect(forbidden.code).toBe(3);
    expect(forbidden.stderr).toContain("403");
    expect(forbidden.stderr).toContain("lacks the scope");
  });

  it("select and compare send the key too, and print the server's choice", { timeout: 30_000 }, async () => {
    const dir = tempDir();
    // The second response passes every question and the first fails them: the server picks it.
    fake.answer = (_id, _index, call) => (/Response B|Two\./.test(payloadOf(call).response) ? { verdict: "YES", p_yes: 0.95 } : { verdict: "NO", p_yes: 0.05 });
    writeFileSync(join(dir, "a.txt"), "Response A");
    const compare = ["compare", "Which is better?", "@a.txt", "Response B", "--server", server.url];
    expect((await tickbox(compare, { cwd: dir })).code).toBe(3);
    const compared = await tickbox(compare, { cwd: dir, env: { TICKBOX_API_KEY: evaluator } });
    expect(compared.code).toBe(0);
    expect(JSON.parse(compared.stdout).winner).toBe("b");

    const select = ["select", "Pick the best.", "One.", "Two.", "--server", server.url];
    expect((await tickbox(select, { cwd: dir })).code).toBe(3);
    const selected = await tickbox([...select, "--api-key", evaluator], { cwd: dir });
    expect(selected.code).toBe(0);
    expect(JSON.parse(selected.stdout).winner).toBe(1);
  });

  it("calibrate sends the key, and grades a cascade with each judge the server allows", { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const lines = infobenchItems(3).map(({ custom_id: _, ...item }, i) => ({ ...item, label: i % 2 }));
    writeFileSync(join(dir, "labelled.jsonl"), jsonLines(lines));
    const args = ["calibrate", "labelled.jsonl", "--server", server.url, "--json"];
    expect((await tickbox(args, { cwd: dir })).code).toBe(3);
    // Grading needs evaluate, fitting calibrate: the admin key has both.
    expect((await tickbox(args, { cwd: dir, env: { TICKBOX_API_KEY: evaluator } })).code).toBe(3);
    const ran = await tickbox(args, { cwd: dir, env: { TICKBOX_API_KEY: ADMIN_KEY } });
    expect(ran.code).toBe(0);
    expect(JSON.parse(ran.stdout).judges[0].model).toBe("judge-test");

    const other = await tickbox([...args, "--judge", "another-model"], { cwd: dir, env: { TICKBOX_API_KEY: ADMIN_KEY } });
    expect(other.code).toBe(2);
    expect(other.stderr).toContain("grades with judge-test, judge-strong, not another-model");
    // A cascade: each judge grades every line on the server, the later one the first one's checklists.
    fake.reset();
    const cascade = await tickbox([...args, "--judge", "judge-test,judge-strong"], { cwd: dir, env: { TICKBOX_API_KEY: ADMIN_KEY } });
    expect(cascade.code).toBe(0);
    expect(JSON.parse(cascade.stdout).judges.map((j: { model: string }) => j.model)).toEqual(["judge-test", "judge-strong"]);
    const graded = fake.calls.filter((c) => c.kind === "grading").map((c) => c.body.model);
    // The first judge's gradings were stored by the runs above: only the strong judge is asked.
    expect(graded).toEqual(["judge-strong", "judge-strong", "judge-strong"]);
  });
});
