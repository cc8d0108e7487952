// npm run bench:worker: a 2,000-item batch through `wrangler dev --local` (the Worker on workerd, its
// local queue, D1 and Durable Objects) against the fake upstream at 20 ms, its wall time over the
// ideal (items × latency ÷ concurrency, target ≤ 1.5), beside the same batch on a Node server in
// the same run. Each round sends both a batch of items neither has seen (every item a cache miss),
// in alternating order; the wall time runs from the POST to the first read that finds the batch
// completed (polled every 100 ms, so that the polling itself weighs little). wrangler runs with
// --log-level warn: its own line per request, printed by its Node process, is not what is measured.
//   BENCH_ROUNDS (3), BENCH_CONCURRENCY (16), BENCH_ITEMS (2000)
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { infobenchItems } from "../test/support/batches";
import { startFakeUpstream } from "../test/support/fake-upstream";
import { upstreamEnv } from "../test/support/harness";
import { startProcess } from "../test/support/process";

const ITEMS = Number(process.env.BENCH_ITEMS ?? 2_000);
const LATENCY_MS = 20;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const IDEAL_MS = (ITEMS * LATENCY_MS) / CONCURRENCY;

const root = resolve(import.meta.dirname, "..");
const wrangler = join(root, "node_modules/.bin/wrangler");
const quiet = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" };

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** User plus system CPU time of processes so far, in ms (Linux /proc; clock ticks of 10 ms). */
function cpuMsOf(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone
    }
  }
  return ticks * 10;
}

/** A process and all its descendants (wrangler runs workerd as a child of a child). */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1]!.split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone
    }
  }
  const all = [root];
  for (let i = 0; i < all.length; i++) all.push(...(children.get(all[i]!) ?? []));
  return all;
}

/** `wrangler dev --local` on a fresh local D1 (migrations applied by the wrangler CLI), serving at `url`. */
async function wranglerDev(dir: string, vars: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  await promisify(execFile)(wrangler, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", dir], { cwd: root, env: quiet });
  const port = await freePort();
  const args = [
    "dev",
    "--local",
    "--log-level",
    "warn",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--persist-to",
    dir,
    "--inspector-port",
    String(await freePort()),
  ];
  for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
  const child = spawn(wrangler, args, { cwd: root, env: quiet, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (d) => (output = (output + d).slice(-20_000)));
  child.stderr!.on("data", (d) => (output = (output + d).slice(-20_000)));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited:\n${output}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { url, child };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`wrangler dev did not start:\n${output}`);
}

/** Items of a round and runtime of their own: nothing in either database, or the replay cache, has them. */
const itemsFor = (tag: string) => infobenchItems(ITEMS).map((item) => ({ ...item, response: `${item.response}\n[${tag}]` }));

async function runBatch(url: string, items: unknown[]): Promise<{ wall_ms: number; counts: unknown }> {
  const started = performance.now();
  const res = await fetch(`${url}/v1/batches?concurrency=${CONCURRENCY}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(items),
  });
  const created = (await res.json()) as any;
  if (res.status !== 202) throw new Error(`POST /v1/batches: ${res.status} ${JSON.stringify(created)}`);
  for (;;) {
    const batch = (await (await fetch(`${url}/v1/batches/${created.id}`)).json()) as any;
    if (batch.status !== "running") {
      if (batch.status !== "completed" || batch.counts.done !== ITEMS) throw new Error(`batch ended ${batch.status}: ${JSON.stringify(batch.counts)}`);
      return { wall_ms: Math.round(performance.now() - started), counts: batch.counts };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

const fake = await startFakeUpstream({ latencyMs: LATENCY_MS });
const dir = mkdtempSync(join(tmpdir(), "tickbox-bench-worker-"));
const vars = upstreamEnv(fake);
const node = await startProcess("src/server.ts", { ...vars, TICKBOX_DB: join(dir, "node.db"), TICKBOX_UPSTREAM_CONCURRENCY: String(CONCURRENCY) });
const edge = await wranglerDev(join(dir, "wrangler"), { ...vars, TICKBOX_UPSTREAM_CONCURRENCY: String(CONCURRENCY) });
const runs: { runtime: string; round: number; wall_ms: number; cpu_ms: number }[] = [];
const workerdCpu: number[] = [];
const commOf = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
};
const edgeTree = processTree(edge.child.pid!);
const workerd = edgeTree.filter((pid) => commOf(pid) === "workerd");
const pidsOf = { node: [node.child.pid!], workers: edgeTree };
try {
  for (let round = 1; round <= ROUNDS; round++) {
    const order = round % 2 === 1 ? (["node", "workers"] as const) : (["workers", "node"] as const);
    for (const runtime of order) {
      fake.reset();
      const cpuBefore = cpuMsOf(pidsOf[runtime]);
      const workerdBefore = cpuMsOf(workerd);
      const { wall_ms } = await runBatch(runtime === "node" ? node.url : edge.url, itemsFor(`${runtime} round ${round}`));
      const cpu_ms = cpuMsOf(pidsOf[runtime]) - cpuBefore;
      if (runtime === "workers") workerdCpu.push(cpuMsOf(workerd) - workerdBefore);
      const calls = fake.calls.filter((c) => c.kind === "grading").length;
      if (calls !== ITEMS) throw new Error(`${runtime}: ${calls} upstream calls for ${ITEMS} items`);
      runs.push({ runtime, round, wall_ms, cpu_ms });
      console.error(`${runtime} round ${round}: ${wall_ms} ms (${(wall_ms / IDEAL_MS).toFixed(2)}× ideal), server CPU ${cpu_ms} ms`);
    }
  }
} finally {
  if (edge.child.pid) process.kill(-edge.child.pid, "SIGTERM");
  node.child.kill("SIGTERM");
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
}

const summary = (runtime: string) => {
  const mine = runs.filter((r) => r.runtime === runtime);
  const walls = mine.map((r) => r.wall_ms).sort((a, b) => a - b);
  const cpus = mine.map((r) => r.cpu_ms).sort((a, b) => a - b);
  const median = walls[Math.floor(walls.length / 2)]!;
  const cpu = cpus[Math.floor(cpus.length / 2)]!;
  return {
    median,
    min: walls[0]!,
    max: walls.at(-1)!,
    ratio: median / IDEAL_MS,
    ratioMin: walls[0]! / IDEAL_MS,
    ratioMax: walls.at(-1)! / IDEAL_MS,
    cpu,
    cpuMin: cpus[0]!,
    cpuMax: cpus.at(-1)!,
  };
};
console.log(`\n${ITEMS} items, ${LATENCY_MS} ms upstream, concurrency ${CONCURRENCY}: ideal ${IDEAL_MS} ms; ${ROUNDS} rounds, median (min–max)\n`);
console.log("| runtime | wall time | ÷ ideal (target ≤ 1.5 for Workers) | server CPU |\n|---|---|---|---|");
for (const runtime of ["workers", "node"]) {
  const s = summary(runtime);
  const label = runtime === "workers" ? "Workers (`wrangler dev --local`, local queue, D1, Durable Objects)" : "Node (one server process, SQLite)";
  console.log(
    `| ${label} | ${s.median} ms (${s.min}–${s.max}) | **${s.ratio.toFixed(2)}** (${s.ratioMin.toFixed(2)}–${s.ratioMax.toFixed(2)}) | ${s.cpu} ms (${s.cpuMin}–${s.cpuMax}) |`,
  );
}
const w = summary("workers");
const n = summary("node");
console.log(`\nWorkers ÷ Node, same run: ${(w.median / n.median).toFixed(2)}`);
console.log(
  `Server CPU of the Workers runs: workerd (the Worker, D1, Durable Objects and queue broker, emulated in one process) ${workerdCpu.sort((a, b) => a - b).join(", ")} ms; the rest is wrangler's own Node process.`,
);
