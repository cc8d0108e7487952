// P6: the server's memory with 500 requests in flight, each waiting 2 s on the upstream
// (target ≤ 200 MiB RSS). Every request is a different cache miss, and the upstream concurrency is
// raised to 512 so that all 500 are at the upstream at once, the worst case for memory: 500
// sockets out, 500 in, 500 request contexts, meters and pending calls.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startFakeUpstream } from "../test/support/fake-upstream";
import { startProcess } from "../test/support/process";

const IN_FLIGHT = 500;
const LATENCY_MS = 2_000;

export interface P6Result {
  in_flight: number;
  rss_idle_mb: number;
  /** Highest RSS sampled while the requests were in flight. */
  rss_in_flight_mb: number;
  /** The kernel's high-water mark (VmHWM) at the end. */
  rss_peak_mb: number;
  upstream_max_in_flight: number;
}

function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
}

const checklist = {
  items: [
    { question: "Does the response answer the question?", weight: 100, must_pass: true },
    { question: "Is it polite?", weight: 50 },
  ],
};

/** Runs P6 against its own tickbox process and fake upstream; `dir` holds the SQLite file. */
export async function p6InFlight(dir: string): Promise<P6Result> {
  const fake = await startFakeUpstream({ latencyMs: LATENCY_MS });
  const tickbox = await startProcess("src/server.ts", {
    TICKBOX_DB: join(dir, "p6.db"),
    OPENAI_BASE_URL: fake.baseUrl,
    OPENAI_API_KEY: "bench",
    TICKBOX_JUDGE_MODEL: "bench-judge",
    TICKBOX_UPSTREAM_CONCURRENCY: "512",
  });
  const pid = tickbox.child.pid!;
  try {
    const post = (i: number, label: string) =>
      fetch(`${tickbox.url}/v1/evaluations`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ instruction: "Answer the customer.", response: `${label} reply ${i}.`, checklist }),
      }).then(async (res) => {
        if (res.status !== 200) throw new Error(`P6: answered ${res.status}: ${await res.text()}`);
        await res.arrayBuffer();
      });
    // A first, smaller wave compiles the hot paths, as on a server that has been running.
    fake.latencyMs = 0;
    await Promise.all(Array.from({ length: 50 }, (_, i) => post(i, "Warm-up")));
    fake.latencyMs = LATENCY_MS;
    const idle = memoryOf(pid).rss;
    fake.reset();
    fake.latencyMs = LATENCY_MS;
    let inFlight = 0;
    const sampler = setInterval(() => (inFlight = Math.max(inFlight, memoryOf(pid).rss)), 50);
    await Promise.all(Array.from({ length: IN_FLIGHT }, (_, i) => post(i, "Loaded")));
    clearInterval(sampler);
    return {
      in_flight: IN_FLIGHT,
      rss_idle_mb: Math.round(idle),
      rss_in_flight_mb: Math.round(inFlight),
      rss_peak_mb: Math.round(memoryOf(pid).peak),
      upstream_max_in_flight: fake.maxInFlight,
    };
  } finally {
    tickbox.child.kill("SIGTERM");
    await fake.close();
  }
}

// Alone: npx tsx bench/p6-inflight.ts
if (process.argv[1]?.endsWith("bench/p6-inflight.ts")) {
  const { mkdtempSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const dir = mkdtempSync(join(tmpdir(), "tickbox-p6-"));
  try {
    console.log(JSON.stringify(await p6InFlight(dir)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
