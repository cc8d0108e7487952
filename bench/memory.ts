// npm run bench:memory: the server's memory under what the network may send it, measured in one
// run on loopback, each case in a fresh server process (peak RSS is VmHWM from /proc):
//   batch body  a ~200 MiB JSON Lines batch (100,000 items of ~2 KiB), accepted (202); the same
//               with its last item invalid (422); three of those at once;
//   answer      a 400 MiB upstream answer to one evaluation (a 502 past TICKBOX_MAX_ANSWER_BYTES).
// Each case prints the server's RSS before, its peak, and the growth (peak − before).
// BENCH_SERVER_ROOT=<another checkout> measures that checkout's server the same way, for a
// like-for-like reference (its node_modules must be installed or linked).
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startFakeUpstream } from "../test/support/fake-upstream";
import { upstreamVars } from "../test/support/upstream-vars";

const MIB = 1024 * 1024;
const root = resolve(process.env.BENCH_SERVER_ROOT ?? resolve(import.meta.dirname, ".."));
const dir = mkdtempSync(join(tmpdir(), "tickbox-memory-"));
// A slow upstream: the batch's grading barely starts while its body is measured.
const fake = await startFakeUpstream({ latencyMs: 2000 });

function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
}

/** A server of `root` in its own process, on a fresh database file. */
async function server(name: string, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ["--import", "tsx", join(root, "src/server.ts")], {
    cwd: root,
    env: { ...process.env, ...upstreamVars(fake.baseUrl), TICKBOX_DB: join(dir, `${name}.db`), PORT: "0", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolveUrl, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolveUrl(m[1]!);
    });
    child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
  });
  // Let start-up garbage settle, so that "before" is the idle server.
  await new Promise((r) => setTimeout(r, 1500));
  return { url, pid: child.pid!, before: memoryOf(child.pid!).rss, stop: () => child.kill("SIGKILL") };
}

const ITEMS = 100_000;
const filler = "All of this is part of a long and unremarkable answer. ".repeat(34);

/** Line `i` of the batch; the last one invalid (a number for a response) when `invalidLast`. */
const line = (i: number, invalidLast: boolean) =>
  `${JSON.stringify({
    instruction: "Answer the customer's question.",
    response: invalidLast && i === ITEMS - 1 ? 42 : `Reply ${i}. ${filler}`,
    checklist: { items: [{ question: "Does it answer the question?" }] },
    custom_id: `item-${i}`,
  })}\n`;

/** POSTs the batch as a stream of ~1 MiB writes, minding backpressure; resolves with the status. */
function postBatch(url: string, invalidLast: boolean): Promise<{ status: number; bytes: number }> {
  return new Promise((resolvePost, reject) => {
    const req = request(`${url}/v1/batches`, { method: "POST", headers: { "content-type": "application/x-ndjson" } }, (res) => {
      res.resume();
      res.once("end", () => resolvePost({ status: res.statusCode!, bytes }));
    });
    req.once("error", reject);
    let i = 0;
    let bytes = 0;
    const write = () => {
      while (i < ITEMS) {
        let chunk = "";
        while (i < ITEMS && chunk.length < MIB) chunk += line(i++, invalidLast);
        bytes += Buffer.byteLength(chunk);
        if (!req.write(chunk)) return void req.once("drain", write);
      }
      req.end();
    };
    write();
  });
}

interface Measured {
  case: string;
  outcome: string;
  before_mib: number;
  peak_mib: number;
  growth_mib: number;
  seconds: number;
}

async function measure(name: string, env: Record<string, string>, run: (url: string) => Promise<string>): Promise<Measured> {
  const s = await server(name, env);
  const started = performance.now();
  try {
    const outcome = await run(s.url);
    const { peak } = memoryOf(s.pid);
    return {
      case: name,
      outcome,
      before_mib: Math.round(s.before),
      peak_mib: Math.round(peak),
      growth_mib: Math.round(peak - s.before),
      seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
    };
  } finally {
    s.stop();
  }
}

const results: Measured[] = [];
try {
  results.push(
    await measure("batch body, 202", {}, async (url) => {
      const { status, bytes } = await postBatch(url, false);
      return `${status}, ${(bytes / MIB).toFixed(0)} MiB`;
    }),
  );
  results.push(
    await measure("batch body, last item invalid", {}, async (url) => {
      const { status, bytes } = await postBatch(url, true);
      return `${status}, ${(bytes / MIB).toFixed(0)} MiB`;
    }),
  );
  results.push(
    await measure("three such bodies at once", {}, async (url) => {
      const all = await Promise.all([0, 1, 2].map(() => postBatch(url, true)));
      return `${all.map((r) => r.status).join(" ")}, ${(all.reduce((n, r) => n + r.bytes, 0) / MIB).toFixed(0)} MiB`;
    }),
  );
  for (const declared of [false, true]) {
    results.push(
      await measure(`400 MiB upstream answer${declared ? " (length declared)" : ""}`, {}, async (url) => {
        fake.latencyMs = 0;
        fake.enqueue({ kind: "huge", bytes: 400 * MIB, declared });
        const res = await fetch(`${url}/v1/evaluations`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ instruction: "Greet me.", response: `Hello ${declared}!`, checklist: { items: [{ question: "Is it a greeting?" }] } }),
        });
        await res.text();
        return `${res.status}`;
      }),
    );
  }
} finally {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
}

console.log(`server: ${root}`);
console.log("| case | outcome | RSS before | peak RSS | growth | seconds |\n|---|---|---|---|---|---|");
for (const r of results) console.log(`| ${r.case} | ${r.outcome} | ${r.before_mib} MiB | ${r.peak_mib} MiB | ${r.growth_mib} MiB | ${r.seconds} |`);
console.log(JSON.stringify(results));
