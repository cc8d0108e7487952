// P1b: stored evaluations asked again after a restart, with the replay cache off, so that every
// request takes the full path (read the body, validate, fingerprint, one SQLite read, serialise):
// throughput ÷ a bare Hono hello-world receiving the very same requests (target ≥ 0.5).
//
// A first tickbox process grades 1,000 different responses; it is stopped, and a second one on the
// same file (TICKBOX_REPLAY_CACHE_MB=0) is loaded with the 1,000 requests in turn, by wrk (a Lua
// script cycles through them) or autocannon. The hello-world gets the same script, so both runs put
// the same bytes on the wire. Rounds alternate the two servers; the median round is reported.
import { execFile, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import autocannon from "autocannon";
import { startFakeUpstream } from "../test/support/fake-upstream";
import { startProcess } from "../test/support/process";

const STORED = 1_000;
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

export interface P1bResult {
  ratio: number;
  stored_rps: number;
  hello_rps: number;
  rounds: number[];
  load_generator: "wrk" | "autocannon";
}

const checklist = {
  items: [
    { question: "Does the response answer the question?", weight: 100, must_pass: true },
    { question: "Is it under 100 words?", weight: 50 },
    { question: "Is the tone polite?", weight: 25 },
  ],
};
const bodyFor = (i: number) =>
  JSON.stringify({ instruction: "Answer the customer politely.", response: `Stored reply number ${i}: it ships tomorrow.`, checklist });

const useWrk = () => process.env.BENCH_LOADGEN !== "autocannon" && spawnSync("wrk", ["--version"]).error === undefined;

/** Requests per second over the bodies in turn at 32 connections; throws on any non-2xx. */
async function load(url: string, bodies: string[], dir: string): Promise<number> {
  if (useWrk()) {
    const script = join(dir, "p1b.lua");
    const list = bodies.map((b) => JSON.stringify(b)).join(",\n");
    writeFileSync(
      script,
      `local bodies = {\n${list}\n}\nlocal i = 0\nrequest = function()\n  i = i % #bodies + 1\n  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, bodies[i])\nend\n`,
    );
    // Not execFileSync: the server's log lines reach this process, which must keep reading them.
    const { stdout: out } = await promisify(execFile)("wrk", ["-s", script, "-t1", "-c32", `-d${DURATION_S}s`, url], { encoding: "utf8" });
    if (/Non-2xx|Socket errors/.test(out)) throw new Error(`P1b: load on ${url} had failures:\n${out}`);
    return Number(/Requests\/sec:\s+([\d.]+)/.exec(out)![1]);
  }
  const result = await autocannon({
    url,
    connections: 32,
    duration: DURATION_S,
    requests: bodies.map((body) => ({ method: "POST", body, headers: { "content-type": "application/json" } })),
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`P1b: load on ${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.requests.average;
}

/** Runs P1b with its own fake upstream, tickbox processes and hello-world; `dir` holds the SQLite file. */
export async function p1bStored(dir: string): Promise<P1bResult> {
  const fake = await startFakeUpstream({ latencyMs: 0 });
  const env = {
    TICKBOX_DB: join(dir, "p1b.db"),
    OPENAI_BASE_URL: fake.baseUrl,
    OPENAI_API_KEY: "bench",
    TICKBOX_JUDGE_MODEL: "bench-judge",
    TICKBOX_REPLAY_CACHE_MB: "0",
  };
  const bodies = Array.from({ length: STORED }, (_, i) => bodyFor(i));
  const first = await startProcess("src/server.ts", env);
  try {
    for (let i = 0; i < STORED; i += 50) {
      await Promise.all(
        bodies.slice(i, i + 50).map(async (body) => {
          const res = await fetch(`${first.url}/v1/evaluations`, { method: "POST", headers: { "content-type": "application/json" }, body });
          if (res.status !== 200) throw new Error(`P1b: seeding answered ${res.status}: ${await res.text()}`);
        }),
      );
    }
  } finally {
    first.child.kill("SIGTERM");
    await new Promise((resolve) => first.child.once("exit", resolve));
  }
  const callsBefore = fake.calls.length;
  const tickbox = await startProcess("src/server.ts", env);
  const hello = await startProcess("bench/hello.ts", {});
  try {
    const probe = await fetch(`${tickbox.url}/v1/evaluations`, { method: "POST", headers: { "content-type": "application/json" }, body: bodies[7] });
    if (!((await probe.json()) as { cached?: boolean }).cached) throw new Error("P1b: a stored evaluation was not served from the store");
    await load(`${hello.url}/`, bodies, dir); // warm-up, discarded
    await load(`${tickbox.url}/v1/evaluations`, bodies, dir);
    const rounds: { hello: number; stored: number; ratio: number }[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const helloRps = await load(`${hello.url}/`, bodies, dir);
      const stored = await load(`${tickbox.url}/v1/evaluations`, bodies, dir);
      rounds.push({ hello: helloRps, stored, ratio: stored / helloRps });
    }
    if (fake.calls.length !== callsBefore) throw new Error(`P1b: ${fake.calls.length - callsBefore} upstream calls during the load`);
    const median = [...rounds].sort((a, b) => a.ratio - b.ratio)[Math.floor(rounds.length / 2)]!;
    return {
      ratio: Number(median.ratio.toFixed(3)),
      stored_rps: Math.round(median.stored),
      hello_rps: Math.round(median.hello),
      rounds: rounds.map((r) => Number(r.ratio.toFixed(3))),
      load_generator: useWrk() ? "wrk" : "autocannon",
    };
  } finally {
    tickbox.child.kill("SIGTERM");
    hello.child.kill("SIGTERM");
    await fake.close();
  }
}

// Alone: npx tsx bench/p1b-stored.ts
if (process.argv[1]?.endsWith("bench/p1b-stored.ts")) {
  const { mkdtempSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const dir = mkdtempSync(join(tmpdir(), "tickbox-p1b-"));
  try {
    console.log(JSON.stringify(await p1bStored(dir)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
