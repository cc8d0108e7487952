// P7: a 1,000-item batch with 20 ms upstream latency and concurrency 16. Its wall time over the
// ideal (items × latency ÷ concurrency, target ≤ 1.2), and the server's memory while it runs.
//
// One tickbox process grades two batches of 1,000 different items (every item a cache miss):
//   cold  the first batch of a fresh process, while V8 is still compiling the hot paths;
//   warm  the second, as a server that has been running grades it. The target is read on this one.
// The wall time runs from the POST to the server-sent `end` event. The same calls sent straight to
// the upstream from a process of their own give the floor the fake upstream itself sets.
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type FakeUpstream, startFakeUpstream } from "../test/support/fake-upstream";
import { startProcess } from "../test/support/process";

export interface P7Run {
  wall_ms: number;
  ratio: number;
  /** CPU time the server spent on the batch: near wall_ms means the server, not waiting, set the pace. */
  server_cpu_ms: number;
}

export interface P7Result {
  items: number;
  latency_ms: number;
  concurrency: number;
  ideal_ms: number;
  warm: P7Run;
  cold: P7Run;
  /** The same calls straight to the upstream, and the warm wall time over it. */
  direct_ms: number;
  ratio_vs_direct: number;
  rss_start_mb: number;
  rss_peak_mb: number;
}

const ITEMS = 1_000;
const LATENCY_MS = 20;
const CONCURRENCY = 16;
const IDEAL_MS = (ITEMS * LATENCY_MS) / CONCURRENCY;

/** Resident and peak resident memory of a process, in MiB (Linux /proc). */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
}

/** User plus system CPU time of a process so far, in ms (Linux /proc; clock ticks of 10 ms). */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Reads a batch's server-sent events until its `end` event, and returns the batch it carries. */
async function untilEnd(url: string): Promise<any> {
  const res = await fetch(url);
  if (!res.ok || !res.body) throw new Error(`P7: ${url} answered ${res.status}`);
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of res.body) {
    text += decoder.decode(chunk, { stream: true });
    const end = /event: end\ndata: (.*)\n/.exec(text);
    if (end) return JSON.parse(end[1]!);
  }
  throw new Error("P7: the event stream closed before its end event");
}

/** Posts a batch of ITEMS different cache misses and times it to its end event. */
async function timedBatch(server: { url: string; pid: number }, label: string): Promise<P7Run> {
  const checklist = {
    items: [
      { question: "Does it answer?", weight: 100, must_pass: true },
      { question: "Is it polite?", weight: 50 },
    ],
  };
  const body = Array.from({ length: ITEMS }, (_, i) =>
    JSON.stringify({ instruction: "Answer the customer.", response: `${label} reply number ${i}.`, checklist }),
  ).join("\n");
  const cpuBefore = cpuMsOf(server.pid);
  const started = performance.now();
  const res = await fetch(`${server.url}/v1/batches?concurrency=${CONCURRENCY}`, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body });
  if (res.status !== 202) throw new Error(`P7: POST /v1/batches answered ${res.status}`);
  const { id } = (await res.json()) as { id: string };
  const batch = await untilEnd(`${server.url}/v1/batches/${id}/events`);
  const wall = performance.now() - started;
  if (batch.counts.done !== ITEMS || batch.summary.cache_hits !== 0) throw new Error(`P7: ${JSON.stringify(batch.counts)}`);
  return { wall_ms: Math.round(wall), ratio: Number((wall / IDEAL_MS).toFixed(3)), server_cpu_ms: cpuMsOf(server.pid) - cpuBefore };
}

/** The same grading calls sent straight to the upstream, from their own process. */
async function direct(fake: FakeUpstream, dir: string): Promise<number> {
  const requestFile = join(dir, "p7-request.json");
  writeFileSync(requestFile, JSON.stringify(fake.calls.at(-1)!.body));
  const child = spawn(process.execPath, ["--import", "tsx", "bench/upstream-direct.ts", fake.baseUrl, String(ITEMS), String(CONCURRENCY), requestFile], {
    cwd: join(import.meta.dirname, ".."),
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  const code = await new Promise((resolve) => child.on("exit", resolve));
  if (code !== 0) throw new Error(`P7: the direct run exited with ${code}`);
  return JSON.parse(out).wall_ms;
}

/** Runs P7 against its own tickbox process and fake upstream; `dir` holds the SQLite file. */
export async function p7Batch(dir: string): Promise<P7Result> {
  const fake = await startFakeUpstream({ latencyMs: LATENCY_MS });
  const tickbox = await startProcess("src/server.ts", {
    TICKBOX_DB: join(dir, "p7.db"),
    OPENAI_BASE_URL: fake.baseUrl,
    OPENAI_API_KEY: "bench",
    TICKBOX_JUDGE_MODEL: "bench-judge",
    TICKBOX_UPSTREAM_CONCURRENCY: String(CONCURRENCY),
  });
  try {
    const server = { url: tickbox.url, pid: tickbox.child.pid! };
    const start = memoryOf(server.pid);
    const cold = await timedBatch(server, "Cold");
    const warm = await timedBatch(server, "Warm");
    const peak = memoryOf(server.pid).peak;
    const directMs = await direct(fake, dir);
    return {
      items: ITEMS,
      latency_ms: LATENCY_MS,
      concurrency: CONCURRENCY,
      ideal_ms: IDEAL_MS,
      warm,
      cold,
      direct_ms: directMs,
      ratio_vs_direct: Number((warm.wall_ms / directMs).toFixed(3)),
      rss_start_mb: Math.round(start.rss),
      rss_peak_mb: Math.round(peak),
    };
  } finally {
    tickbox.child.kill("SIGTERM");
    await fake.close();
  }
}

// Alone: npx tsx bench/p7-batch.ts
if (process.argv[1]?.endsWith("bench/p7-batch.ts")) {
  const { mkdtempSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const dir = mkdtempSync(join(tmpdir(), "tickbox-p7-"));
  try {
    console.log(JSON.stringify(await p7Batch(dir)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
