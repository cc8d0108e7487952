// P7: a 1,000-item batch with 20 ms upstream latency and concurrency 16. Its wall time over the
// ideal (items × latency ÷ concurrency, target ≤ 1.2), and the server's memory while it runs.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startFakeUpstream } from "../test/support/fake-upstream";
import { startProcess } from "../test/support/process";

export interface P7Result {
  items: number;
  latency_ms: number;
  concurrency: number;
  wall_ms: number;
  ideal_ms: number;
  ratio: number;
  rss_start_mb: number;
  rss_peak_mb: number;
  /** CPU time the server spent during the batch: near wall_ms means the server, not waiting, set the pace. */
  server_cpu_ms: number;
}

const ITEMS = 1_000;
const LATENCY_MS = 20;
const CONCURRENCY = 16;

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
    const checklist = { items: [{ question: "Does it answer?", weight: 100, must_pass: true }, { question: "Is it polite?", weight: 50 }] };
    const body = Array.from({ length: ITEMS }, (_, i) => JSON.stringify({ instruction: "Answer the customer.", response: `Reply number ${i}.`, checklist })).join("\n");
    const pid = tickbox.child.pid!;
    const before = memoryOf(pid);
    const cpuBefore = cpuMsOf(pid);
    const started = performance.now();
    const res = await fetch(`${tickbox.url}/v1/batches?concurrency=${CONCURRENCY}`, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body });
    if (res.status !== 202) throw new Error(`P7: POST /v1/batches answered ${res.status}`);
    const { id } = (await res.json()) as { id: string };
    let batch: any;
    do {
      await new Promise((r) => setTimeout(r, 25));
      batch = await (await fetch(`${tickbox.url}/v1/batches/${id}`)).json();
    } while (batch.status === "running");
    const wall = performance.now() - started;
    if (batch.counts.done !== ITEMS) throw new Error(`P7: ${JSON.stringify(batch.counts)}`);
    const after = memoryOf(pid);
    const cpu = cpuMsOf(pid) - cpuBefore;
    const ideal = (ITEMS * LATENCY_MS) / CONCURRENCY;
    return {
      items: ITEMS,
      latency_ms: LATENCY_MS,
      concurrency: CONCURRENCY,
      wall_ms: Math.round(wall),
      ideal_ms: ideal,
      ratio: Number((wall / ideal).toFixed(3)),
      rss_start_mb: Math.round(before.rss),
      rss_peak_mb: Math.round(after.peak),
      server_cpu_ms: cpu,
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
