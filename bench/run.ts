// npm run bench: ratios measured in one run, on loopback only (see docs/performance.md).
//   P1  cache-hit POST /v1/evaluations throughput ÷ bare Hono hello-world throughput (target ≥ 0.5).
//       The hello-world gets the very same request (POST, same body), so both runs put the same
//       bytes on the wire and the ratio isolates the server's own work; a GET hello-world is
//       measured too and printed beside it.
//   P2  cache-miss latency ÷ upstream latency of 150 ms                              (target ≤ 1.03).
//       The upstream's latency is measured directly (same kind of request, same run) as well,
//       since the fake itself takes a little longer than its nominal delay.
//   P4  upstream calls for 50 concurrent identical evaluations                        (target 1)
//   P3  best-of-8 selection, cold, 300 ms upstream: wall ÷ (checklist + grading call)  (target ≤ 1.15)
//       and its upstream calls, cold (1 + 8) and repeated (0); see bench/p3-selection.ts.
//   P7  1,000-item batch, 20 ms upstream, concurrency 16: wall ÷ (items × latency ÷ concurrency)
//       (target ≤ 1.2) on a running server, with the server's RSS; the first batch of a fresh
//       process and the upstream's own floor beside it; its own server and upstream (bench/p7-batch.ts).
//   P1b 1,000 distinct stored evaluations asked again after a restart, replay cache off (the full
//       path: read, validate, fingerprint, SQLite, serialise) ÷ hello-world (target ≥ 0.5); its own
//       servers (bench/p1b-stored.ts).
//   P6  server RSS with 500 requests in flight at a 2 s upstream (target ≤ 200 MiB; bench/p6-inflight.ts).
import { execFile, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { startFakeUpstream } from "../test/support/fake-upstream";
import { runSelectionBenchmark } from "./p3-selection";
import { p1bStored } from "./p1b-stored";
import { p6InFlight } from "./p6-inflight";
import { p7Batch } from "./p7-batch";
import { startProcess } from "../test/support/process";

const UPSTREAM_MS = 150;
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

// wrk (C) when installed, so the load generator is not the bottleneck; else autocannon (JS).
const useWrk = process.env.BENCH_LOADGEN !== "autocannon" && spawnSync("wrk", ["--version"]).error === undefined;

/** Requests per second at 32 connections for DURATION_S; throws on any non-2xx or socket error. */
async function load(url: string, body: unknown | undefined): Promise<number> {
  if (useWrk) {
    const args = ["-t1", "-c32", `-d${DURATION_S}s`, url];
    if (body !== undefined) {
      const script = join(dir, "post.lua");
      writeFileSync(script, `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = ${JSON.stringify(JSON.stringify(body))}\n`);
      args.unshift("-s", script);
    }
    // Not execFileSync: the servers' log lines reach this process, which must keep reading them.
    const { stdout: out } = await promisify(execFile)("wrk", args, { encoding: "utf8" });
    if (/Non-2xx|Socket errors/.test(out)) throw new Error(`load on ${url} had failures:\n${out}`);
    return Number(/Requests\/sec:\s+([\d.]+)/.exec(out)![1]);
  }
  const result = await autocannon({
    url,
    connections: 32,
    duration: DURATION_S,
    method: body === undefined ? "GET" : "POST",
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`load on ${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.requests.average;
}

const post = (url: string, body: unknown) => fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

const fake = await startFakeUpstream({ latencyMs: UPSTREAM_MS });
const dir = mkdtempSync(join(tmpdir(), "tickbox-bench-"));
const tickbox = await startProcess("src/server.ts", {
  TICKBOX_DB: join(dir, "bench.db"),
  OPENAI_BASE_URL: fake.baseUrl,
  OPENAI_API_KEY: "bench",
  TICKBOX_JUDGE_MODEL: "bench-judge",
});
const hello = await startProcess("bench/hello.ts", {});

const items = [
  { question: "Does the response answer the question?", weight: 100, must_pass: true },
  { question: "Is it under 100 words?", weight: 50 },
  { question: "Is the tone polite?", weight: 25 },
];
const evaluation = (response: string) => ({ instruction: "Answer the customer politely.", response, checklist: { items } });

try {
  // P1 — one grading fills the cache; every later request is a hit.
  await post(`${tickbox.url}/v1/evaluations`, evaluation("We will ship it tomorrow."));
  await load(`${hello.url}/`, undefined); // warm-up, discarded
  await load(`${tickbox.url}/v1/evaluations`, evaluation("We will ship it tomorrow."));
  // Alternate the servers so that drift in the machine's load falls on all; report the median round.
  const hitBody = evaluation("We will ship it tomorrow.");
  const rounds: { hello: number; helloGet: number; hit: number; ratio: number }[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const helloGet = await load(`${hello.url}/`, undefined);
    const helloPost = await load(`${hello.url}/`, hitBody);
    const hit = await load(`${tickbox.url}/v1/evaluations`, hitBody);
    rounds.push({ hello: helloPost, helloGet, hit, ratio: hit / helloPost });
  }
  const median = <T>(xs: T[], by: (x: T) => number) => [...xs].sort((a, b) => by(a) - by(b))[Math.floor(xs.length / 2)]!;
  const { hello: helloRps, hit: hitRps, ratio: p1 } = median(rounds, (r) => r.ratio);
  const p1Get = median(
    rounds.map((r) => r.hit / r.helloGet),
    (x) => x,
  );
  const helloGetRps = median(rounds, (r) => r.helloGet).helloGet;

  // P2 — sequential cache misses: each is one upstream call of 150 ms. The same kind of grading
  // request sent straight to the upstream gives its measured latency.
  const direct: number[] = [];
  const latencies: number[] = [];
  for (let i = 0; i < 30; i++) {
    const started = performance.now();
    await (
      await post(`${fake.baseUrl}/chat/completions`, {
        model: "bench-judge",
        temperature: 0,
        logprobs: true,
        top_logprobs: 5,
        messages: [{ role: "user", content: `Direct ${i}` }],
        response_format: fake.calls.at(-1)?.body.response_format,
      })
    ).json();
    direct.push(performance.now() - started);
  }
  for (let i = 0; i < 30; i++) {
    const started = performance.now();
    const res = await post(`${tickbox.url}/v1/evaluations`, evaluation(`Miss number ${i}.`));
    if (res.status !== 200 || ((await res.json()) as any).cached) throw new Error("P2: expected an uncached 200");
    latencies.push(performance.now() - started);
  }
  const missMs = median(latencies, (x) => x);
  const upstreamMs = median(direct, (x) => x);
  const p2 = missMs / UPSTREAM_MS;
  const p2Measured = missMs / upstreamMs;

  // P4 — 50 concurrent identical requests share one upstream call.
  const before = fake.calls.length;
  const burst = await Promise.all(Array.from({ length: 50 }, () => post(`${tickbox.url}/v1/evaluations`, evaluation("Same for all."))));
  if (burst.some((r) => r.status !== 200)) throw new Error("P4: a request failed");
  const p4 = fake.calls.length - before;

  const p3 = await runSelectionBenchmark({ startFake: startFakeUpstream, startServer: (env) => startProcess("src/server.ts", env) });
  const p7 = await p7Batch(dir);
  const p1b = await p1bStored(dir);
  const p6 = await p6InFlight(dir);

  const rows = [
    [
      "P1",
      "cache-hit throughput ÷ hello-world (same POST)",
      `${hitRps.toFixed(0)} / ${helloRps.toFixed(0)} req/s (${useWrk ? "wrk" : "autocannon"})`,
      p1.toFixed(3),
      "≥ 0.5",
      p1 >= 0.5,
    ],
    ["P1'", "cache-hit throughput ÷ hello-world (GET)", `${hitRps.toFixed(0)} / ${helloGetRps.toFixed(0)} req/s`, p1Get.toFixed(3), "(info)", true],
    ["P2", "cache-miss latency ÷ nominal upstream latency", `median ${missMs.toFixed(1)} ms / ${UPSTREAM_MS} ms`, p2.toFixed(3), "≤ 1.03", p2 <= 1.03],
    [
      "P2'",
      "cache-miss latency ÷ measured upstream latency",
      `median ${missMs.toFixed(1)} ms / ${upstreamMs.toFixed(1)} ms`,
      p2Measured.toFixed(3),
      "≤ 1.03",
      p2Measured <= 1.03,
    ],
    ["P4", "upstream calls, 50 concurrent identical", `${p4} call(s)`, String(p4), "= 1", p4 === 1],
    ...p3.rows,
    [
      "P7",
      "1,000-item batch wall time ÷ ideal (20 ms, concurrency 16), running server",
      `${p7.warm.wall_ms} / ${p7.ideal_ms} ms; RSS ${p7.rss_start_mb} → peak ${p7.rss_peak_mb} MiB; server CPU ${p7.warm.server_cpu_ms} ms`,
      p7.warm.ratio.toFixed(3),
      "≤ 1.2",
      p7.warm.ratio <= 1.2,
    ],
    [
      "P7c",
      "the same, first batch of a fresh process",
      `${p7.cold.wall_ms} / ${p7.ideal_ms} ms; server CPU ${p7.cold.server_cpu_ms} ms`,
      p7.cold.ratio.toFixed(3),
      "(info)",
      true,
    ],
    [
      "P7'",
      "running server's wall time ÷ the same calls straight to the upstream",
      `${p7.warm.wall_ms} / ${p7.direct_ms} ms`,
      p7.ratio_vs_direct.toFixed(3),
      "(info)",
      true,
    ],
    [
      "P1b",
      "stored evaluations after a restart, no replay cache ÷ hello-world (same POSTs)",
      `${p1b.stored_rps} / ${p1b.hello_rps} req/s; rounds ${p1b.rounds.join(", ")}`,
      p1b.ratio.toFixed(3),
      "≥ 0.5",
      p1b.ratio >= 0.5,
    ],
    [
      "P6",
      "server RSS, 500 requests in flight at a 2 s upstream",
      `idle ${p6.rss_idle_mb} MiB → ${p6.rss_in_flight_mb} MiB in flight (peak ${p6.rss_peak_mb})`,
      String(p6.rss_peak_mb),
      "≤ 200",
      p6.rss_peak_mb <= 200,
    ],
  ] as const;
  console.log("\n| id | measure | raw | ratio | target | met |\n|---|---|---|---|---|---|");
  for (const r of rows) console.log(`| ${r[0]} | ${r[1]} | ${r[2]} | ${r[3]} | ${r[4]} | ${r[5] ? "yes" : "NO"} |`);
  console.log(
    JSON.stringify({
      p1: Number(p1.toFixed(3)),
      p1_vs_get: Number(p1Get.toFixed(3)),
      p2: Number(p2.toFixed(3)),
      p2_vs_measured: Number(p2Measured.toFixed(3)),
      upstream_measured_ms: Number(upstreamMs.toFixed(1)),
      p4,
      hit_rps: Math.round(hitRps),
      hello_rps: Math.round(helloRps),
      p1_rounds: rounds.map((r) => Number(r.ratio.toFixed(3))),
      load_generator: useWrk ? "wrk" : "autocannon",
      miss_median_ms: Number(missMs.toFixed(1)),
      p7: p7.warm.ratio,
      p7_wall_ms: p7.warm.wall_ms,
      p7_cold: p7.cold.ratio,
      p7_cold_wall_ms: p7.cold.wall_ms,
      p7_ideal_ms: p7.ideal_ms,
      p7_direct_ms: p7.direct_ms,
      p7_vs_direct: p7.ratio_vs_direct,
      p7_rss_start_mb: p7.rss_start_mb,
      p7_rss_peak_mb: p7.rss_peak_mb,
      p7_server_cpu_ms: p7.warm.server_cpu_ms,
      p1b: p1b.ratio,
      p1b_rounds: p1b.rounds,
      p1b_rps: p1b.stored_rps,
      p1b_hello_rps: p1b.hello_rps,
      p6_rss_peak_mb: p6.rss_peak_mb,
      p6_rss_idle_mb: p6.rss_idle_mb,
      ...p3.fields,
    }),
  );
} finally {
  tickbox.child.kill("SIGTERM");
  hello.child.kill("SIGTERM");
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
}
