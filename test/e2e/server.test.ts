import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startServer } from "../../src/server";
import { type FakeUpstream, startFakeUpstream } from "../support/fake-upstream";
import { infobench, upstreamEnv } from "../support/harness";

let fake: FakeUpstream;
let dir: string;
beforeAll(async () => {
  fake = await startFakeUpstream();
  dir = mkdtempSync(join(tmpdir(), "tickbox-e2e-"));
});
beforeEach(() => fake.reset());
afterAll(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

const row = infobench[0]!;
const evaluation = { instruction: row.instruction, context: row.input, response: row.output };
const post = (url: string, body: unknown) => fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

describe("the Node server over real HTTP", () => {
  it("creates its database folder, serves, and keeps the cache across a restart", async () => {
    const db = join(dir, "nested", "folder", "tickbox.db");
    const env = { ...upstreamEnv(fake), TICKBOX_DB: db, PORT: "0" };
    const first = await startServer(env);
    try {
      expect(existsSync(db)).toBe(true);
      expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
      const res = await post(`${first.url}/v1/evaluations`, evaluation);
      expect(res.status).toBe(200);
      expect(((await res.json()) as any).cached).toBe(false);
    } finally {
      await first.stop();
    }
    expect(fake.calls).toHaveLength(2);

    const second = await startServer(env);
    try {
      const res = await post(`${second.url}/v1/evaluations`, evaluation);
      const body = (await res.json()) as any;
      expect(body.cached).toBe(true);
      expect(body.usage.upstream_calls).toBe(0);
      expect((await fetch(`${second.url}/v1/evaluations/${body.id}`)).status).toBe(200);
      const checklist = await post(`${second.url}/v1/checklists`, { instruction: row.instruction, context: row.input });
      expect(((await checklist.json()) as any).cached).toBe(true);
    } finally {
      await second.stop();
    }
    expect(fake.calls).toHaveLength(2);
  });

  it("serves its contract, docs, health and metrics", async () => {
    const server = await startServer({ ...upstreamEnv(fake), TICKBOX_DB: ":memory:", PORT: "0" });
    try {
      const yaml = await fetch(`${server.url}/openapi.yaml`);
      expect(yaml.headers.get("content-type")).toContain("yaml");
      const text = await yaml.text();
      expect(text).toContain("openapi: 3.1.0");
      expect(text).toContain("/v1/evaluations:");
      expect((await fetch(`${server.url}/docs`)).headers.get("content-type")).toContain("text/html");
      expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ status: "ok" });
      await post(`${server.url}/v1/evaluations`, evaluation);
      await post(`${server.url}/v1/evaluations`, evaluation);
      await post(`${server.url}/v1/evaluations`, { nope: true });
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(metrics).toContain('tickbox_http_requests_total{method="POST",route="/v1/evaluations",status="200"} 2');
      expect(metrics).toContain('tickbox_http_requests_total{method="POST",route="/v1/evaluations",status="422"} 1');
      expect(metrics).toContain('tickbox_cache_lookups_total{kind="grading",outcome="replay"} 1');
      expect(metrics).toContain('tickbox_upstream_calls_total{kind="tickbox_grading",outcome="ok"} 1');
      expect(metrics).toMatch(/tickbox_upstream_tokens_total\{type="prompt"\} [1-9]/);
      expect(metrics).toContain("tickbox_upstream_latency_seconds_count 2");
    } finally {
      await server.stop();
    }
  });
});

function run(env: Record<string, string>, untilOutput?: RegExp) {
  const child = spawn(process.execPath, ["--import", "tsx", resolve("src/server.ts")], {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  const ready = untilOutput
    ? new Promise<void>((r) => {
        const check = () => untilOutput.test(output) && r();
        child.stdout.on("data", check);
      })
    : Promise.resolve();
  return { child, exited, ready, output: () => output };
}

describe("the server process", () => {
  it("refuses to start on a bad setting, naming the variable", async () => {
    const proc = run({ PORT: "eighty", TICKBOX_DB: ":memory:" });
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toContain("PORT");
  });

  it("refuses to serve a non-loopback address without authentication unless told to", async () => {
    const open = run({ PORT: "0", HOST: "0.0.0.0", TICKBOX_DB: ":memory:" });
    expect(await open.exited).toBe(1);
    expect(open.output()).toContain("TICKBOX_ADMIN_KEY");
    const allowed = run({ PORT: "0", HOST: "0.0.0.0", TICKBOX_DB: ":memory:", TICKBOX_ALLOW_OPEN: "true" }, /listening on/);
    await allowed.ready;
    expect(allowed.output()).toContain("open to anyone");
    allowed.child.kill("SIGTERM");
    expect(await allowed.exited).toBe(0);
  });

  it("finishes in-flight requests on SIGTERM, then exits", async () => {
    fake.latencyMs = 600;
    const proc = run({ ...upstreamEnv(fake), PORT: "0", TICKBOX_DB: ":memory:" }, /listening on/);
    await proc.ready;
    const url = /listening on (\S+)/.exec(proc.output())![1]!;
    const inFlight = post(`${url}/v1/evaluations`, { ...evaluation, checklist: { items: [{ question: "Is it a title?" }] } });
    await new Promise((r) => setTimeout(r, 200));
    proc.child.kill("SIGTERM");
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).results).toHaveLength(1);
    expect(await proc.exited).toBe(0);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it("starts without an upstream, says what to set, and stops on SIGTERM", async () => {
    const proc = run({ PORT: "0", TICKBOX_DB: ":memory:" }, /listening on/);
    await proc.ready;
    const url = /listening on (\S+)/.exec(proc.output())![1]!;
    const res = await post(`${url}/v1/checklists`, { instruction: "Write a limerick." });
    expect(res.status).toBe(503);
    expect(((await res.json()) as any).detail).toContain("TICKBOX_JUDGE_MODEL");
    expect(proc.output()).toContain("no upstream model configured");
    proc.child.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
  });
});
