// The deployment as it will be checked: the wrangler CLI applies the migrations to a local D1,
// `wrangler dev --local` bundles src/worker.ts with wrangler.toml (no nodejs_compat) and serves
// it from workerd, with the local queue and Durable Objects of wrangler.toml, pointed at the fake
// upstream on 127.0.0.1. Its answers are compared with the Node service's, shape by shape; a batch
// of 1,000 items completes through the local queue with Node's results; a key's rate limit holds
// under parallel clients. It runs with an admin key, as a deployed Worker must.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FIXED_CHECKLIST_ID, FIXED_EVALUATION, FIXED_EVALUATION_ID, FIXED_ITEMS } from "../contract/fixtures";
import { settled } from "../contract/settle";
import { infobenchItems } from "../support/batches";
import { clientAt } from "../support/client";
import { type FakeUpstream, startFakeUpstream } from "../support/fake-upstream";
import { makeApp, upstreamEnv } from "../support/harness";

const root = resolve(import.meta.dirname, "../..");
const wrangler = join(root, "node_modules/.bin/wrangler");
const quiet = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" };
const ADMIN = "wrangler-dev-admin-key-0123456789";
const asAdmin = { authorization: `Bearer ${ADMIN}` };

let fake: FakeUpstream;
let dir: string;
let dev: ChildProcess | undefined;
let base: string;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

async function waitUntilReady(url: string, child: ChildProcess, log: () => string) {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited:\n${log()}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`wrangler dev did not start:\n${log()}`);
}

beforeAll(async () => {
  fake = await startFakeUpstream();
  dir = mkdtempSync(join(tmpdir(), "tickbox-wrangler-"));
  await promisify(execFile)(wrangler, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", dir], { cwd: root, env: quiet });
  const port = await freePort();
  const vars = { ...upstreamEnv(fake), TICKBOX_JUDGE_MODEL: "judge-test", TICKBOX_ADMIN_KEY: ADMIN };
  const args = ["dev", "--local", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", dir, "--inspector-port", String(await freePort())];
  for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
  let output = "";
  dev = spawn(wrangler, args, { cwd: root, env: quiet, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  dev.stdout!.on("data", (d) => (output += d));
  dev.stderr!.on("data", (d) => (output += d));
  base = `http://127.0.0.1:${port}`;
  await waitUntilReady(base, dev, () => output);
}, 120_000);

afterAll(async () => {
  if (dev?.pid && dev.exitCode === null) {
    const exited = new Promise((r) => dev!.once("exit", r));
    process.kill(-dev.pid, "SIGTERM");
    await exited;
  }
  await fake?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => fake.reset());

async function call(method: string, path: string, body?: string, type = "application/json") {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...asAdmin, ...(body === undefined ? {} : { "content-type": type }) },
    ...(body === undefined ? {} : { body }),
  });
  return { status: res.status, type: res.headers.get("content-type"), json: (await res.json()) as any };
}

/** The structure of a JSON value: keys and value types, not values. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shape);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape(v)]));
  return value === null ? "null" : typeof value;
}

describe("wrangler dev --local on D1, compared with the Node service", () => {
  it("answers the same requests with the same shapes, ids and statuses", async () => {
    const node = makeApp(upstreamEnv(fake));
    const { instruction, context } = FIXED_EVALUATION;
    const requests: [string, string, string?, string?][] = [
      ["POST", "/v1/checklists", JSON.stringify({ instruction, context, items: FIXED_ITEMS })],
      ["POST", "/v1/evaluations", JSON.stringify(FIXED_EVALUATION)],
      ["GET", `/v1/evaluations/${FIXED_EVALUATION_ID}`],
      ["GET", `/v1/checklists/${FIXED_CHECKLIST_ID}`],
      ["GET", "/v1/evaluations/ev_missing"],
      ["POST", "/v1/evaluations", JSON.stringify({ instruction: "" })],
      ["POST", "/v1/evaluations", "{", "application/json"],
      ["POST", "/v1/evaluations", "x", "text/plain"],
    ];
    for (const [method, path, body, type] of requests) {
      const edge = await call(method, path, body, type);
      const nodeRes = await node.send(method, path, body, type ? { "content-type": type } : {});
      expect({ path, status: edge.status }).toEqual({ path, status: nodeRes.status });
      expect(edge.type).toBe(nodeRes.headers.get("content-type"));
      expect(shape(edge.json)).toEqual(shape(nodeRes.json));
      if (edge.json.id) expect(edge.json.id).toBe(nodeRes.json.id);
    }
    const evaluation = await call("POST", "/v1/evaluations", JSON.stringify(FIXED_EVALUATION));
    expect(evaluation.json.id).toBe(FIXED_EVALUATION_ID);
    node.close();
  });

  it("serves /docs and the viewer from the Worker itself, the same bytes as Node", async () => {
    const node = makeApp(upstreamEnv(fake));
    for (const path of ["/docs/scalar.js", "/ui/assets/app.js", "/ui/assets/app.css"]) {
      const edge = await fetch(`${base}${path}`);
      const local = await node.send("GET", path);
      expect({ path, status: edge.status }).toEqual({ path, status: 200 });
      expect(await edge.text()).toBe(local.text);
    }
    const docs = await (await fetch(`${base}/docs`)).text();
    expect([...docs.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((m) => m[1])).toEqual(["/docs/scalar.js"]);
    const shell = await fetch(`${base}/ui/evaluations`);
    expect(shell.headers.get("content-security-policy")).toContain("script-src 'self'");
    // A page's content comes from the API in process; here the Worker's D1 holds an evaluation.
    await call("POST", "/v1/evaluations", JSON.stringify(FIXED_EVALUATION));
    const page = await (await fetch(`${base}/ui/evaluations/${FIXED_EVALUATION_ID}`, { headers: { "x-tickbox-partial": "1", ...asAdmin } })).text();
    expect(page).toContain(FIXED_EVALUATION.instruction);
    // Batches run here too (on the queue): the page lists them rather than saying where they run.
    const batches = await fetch(`${base}/ui/batches`, { headers: { "x-tickbox-partial": "1", ...asAdmin } });
    expect(batches.status).toBe(200);
    expect(batches.headers.get("x-tickbox-problem")).toBeNull();
    node.close();
  });

  it("serves a repeat from D1 without an upstream call", async () => {
    const request = { ...FIXED_EVALUATION, response: "Graded once at the edge." };
    const first = await call("POST", "/v1/evaluations", JSON.stringify(request));
    expect(first.json).toMatchObject({ cached: false, usage: { upstream_calls: 1 } });
    // Other spacing: not a replay of the same bytes, so the answer comes from the database.
    const again = await call("POST", "/v1/evaluations", JSON.stringify(request, null, 2));
    expect(again.json).toMatchObject({ id: first.json.id, cached: true, usage: { upstream_calls: 0 } });
    expect(fake.calls).toHaveLength(1);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('tickbox_cache_lookups_total{kind="grading",outcome="hit"}');
    // Counted per isolate, and said so.
    expect(metrics).toMatch(/^# tickbox on Cloudflare Workers: these counts are this isolate's alone/);
    expect(metrics).toMatch(/tickbox_metrics_scope\{isolate="[0-9a-f]{8}",scope="isolate"\} 1/);
  });

  it("completes a batch of 1,000 items through the local queue, with the results Node gives", async () => {
    const items = infobenchItems(1_000);
    const node = makeApp(upstreamEnv(fake), { background: true });
    const reference = await node.post("/v1/batches?concurrency=16", items);
    const nodeView = await settled(node, reference.json.id, {}, 120_000);
    const nodeResults = (await node.get(`/v1/batches/${reference.json.id}/results`)).text;
    await node.services.batches?.stop();
    node.close();
    fake.reset();

    const edge = clientAt(base);
    const created = await edge.post("/v1/batches?concurrency=16", items, asAdmin);
    expect(created.status).toBe(202);
    expect(created.json.id).toBe(reference.json.id);
    const view = await settled(edge, created.json.id, asAdmin, 240_000);
    expect(view.status).toBe("completed");
    expect(view.counts).toEqual(nodeView.counts);
    expect(view.summary).toEqual(nodeView.summary);
    expect((await edge.send("GET", `/v1/batches/${created.json.id}/results`, undefined, asAdmin)).text).toBe(nodeResults);
    // Each item graded once: one upstream call per item.
    expect(fake.calls.filter((c) => c.kind === "grading")).toHaveLength(items.length);
  }, 300_000);

  it("holds a key's rate limit under parallel clients", async () => {
    const rpm = 20;
    const key = await call("POST", "/v1/keys", JSON.stringify({ name: "hammered", scopes: ["evaluate"], rate_limit_rpm: rpm }));
    expect(key.status).toBe(201);
    const started = Date.now();
    const statuses = await Promise.all(
      Array.from(
        { length: rpm * 4 },
        async () => (await fetch(`${base}/v1/checklists/cl_nothing_here`, { headers: { authorization: `Bearer ${key.json.key}` } })).status,
      ),
    );
    const elapsedMs = Date.now() - started;
    const admitted = statuses.filter((s) => s !== 429).length;
    expect(statuses.every((s) => s === 404 || s === 429)).toBe(true);
    expect(admitted).toBeGreaterThanOrEqual(rpm);
    expect(admitted).toBeLessThanOrEqual(rpm + Math.floor((rpm * elapsedMs) / 60_000));
  });
});
