// npm run soak: mixed traffic with upstream faults against a tickbox server process, on loopback
// only, bounded in time (SOAK_SECONDS, default 60) and concurrency (SOAK_CONCURRENCY, default 8).
// Reports requests, error classes, the server's RSS at start and end, and whether any stored
// evaluation disagrees with the verdicts the upstream was scripted to give.
import { spawn } from "node:child_process";
import { readFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type Fault, startFakeUpstream } from "../test/support/fake-upstream";
import { infobench } from "../test/support/harness";

const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 8);
const root = resolve(import.meta.dirname, "..");

const fake = await startFakeUpstream({ latencyMs: 20 });
// Each row's recorded GPT-4 verdicts are what the upstream answers for it (by its instruction).
const byInstruction = new Map(infobench.map((row) => [row.instruction, row]));
fake.answer = (_id, index, call) => {
  const data = JSON.parse(call.body.messages.at(-1).content);
  const yes = byInstruction.get(data.instruction)?.eval[index] ?? true;
  return { verdict: yes ? "YES" : "NO", p_yes: yes ? 0.9 : 0.1 };
};
const faults: Fault[] = [
  { kind: "status", status: 500 },
  { kind: "status", status: 429, retryAfter: "0" },
  { kind: "reset" },
  { kind: "truncated" },
  { kind: "content", content: "not json" },
  { kind: "hang" },
];

const dir = mkdtempSync(join(tmpdir(), "tickbox-soak-"));
const child = spawn(process.execPath, ["--import", "tsx", resolve(root, "src/server.ts")], {
  cwd: root,
  env: {
    ...process.env,
    PORT: "0",
    TICKBOX_DB: join(dir, "soak.db"),
    OPENAI_BASE_URL: fake.baseUrl,
    OPENAI_API_KEY: "soak",
    TICKBOX_JUDGE_MODEL: "soak-judge",
    TICKBOX_UPSTREAM_TIMEOUT_MS: "1000",
    TICKBOX_UPSTREAM_RETRIES: "1",
    TICKBOX_BREAKER_FAILURES: "50",
  },
  stdio: ["ignore", "pipe", "inherit"],
});
const url = await new Promise<string>((ok) => {
  let out = "";
  child.stdout!.on("data", (d) => {
    out += d;
    const m = /listening on (\S+)/.exec(out);
    if (m) ok(m[1]!);
  });
});
const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))![1]) / 1024;
const rssStart = rssMb();

const counts = new Map<string, number>();
const count = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);
const evaluated = new Set<string>();
const evaluationBody = (i: number) => {
  const row = infobench[i % infobench.length]!;
  return {
    instruction: row.instruction,
    context: row.input || null,
    response: `${row.output}${i % 3 === 0 ? "" : ` (variant ${i % 50})`}`,
    checklist: { items: row.decomposed_questions.map((question) => ({ question })) },
  };
};
const requests: (() => Promise<Response>)[] = [
  () =>
    fetch(`${url}/v1/evaluations`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(evaluationBody(Math.floor(Math.random() * 500))),
    }),
  () =>
    fetch(`${url}/v1/checklists`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ instruction: infobench[Math.floor(Math.random() * infobench.length)]!.instruction }),
    }),
  () => fetch(`${url}/v1/evaluations`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"instruction": "broken' }),
  () =>
    fetch(`${url}/v1/evaluations`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ instruction: "", response: 5 }) }),
  () => fetch(`${url}/v1/evaluations/ev_${Math.random().toString(16).slice(2)}`),
  () => fetch(`${url}/healthz`),
];

const deadline = Date.now() + SECONDS * 1000;
const faultTimer = setInterval(() => fake.enqueue(faults[Math.floor(Math.random() * faults.length)]!), 100);
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (Date.now() < deadline) {
      const pick = Math.random();
      const make = pick < 0.6 ? requests[0]! : requests[1 + Math.floor(Math.random() * (requests.length - 1))]!;
      try {
        const res = await make();
        const body = (await res.json().catch(() => null)) as any;
        count(res.status < 400 ? String(res.status) : `${res.status} ${body?.code ?? "?"}`);
        if (res.status === 200 && body?.id?.startsWith("ev_")) evaluated.add(body.id);
      } catch {
        count("network error");
      }
    }
  }),
);
clearInterval(faultTimer);
fake.reset();

// Stored verdicts must be the scripted ones: read every evaluation back and compare.
let wrong = 0;
for (const id of evaluated) {
  const body = (await (await fetch(`${url}/v1/evaluations/${id}`)).json()) as any;
  const evaluation = body.results.map((r: any) => r.verdict === "YES");
  const row = infobench.find(
    (r) => r.decomposed_questions.length === evaluation.length && r.decomposed_questions.every((q, i) => q === body.checklist.items[i]?.question),
  );
  if (!row || JSON.stringify(row.eval) !== JSON.stringify(evaluation)) wrong++;
}
const healthy = (await fetch(`${url}/healthz`)).status === 200;
const rssEnd = rssMb();
child.kill("SIGTERM");
await fake.close();
rmSync(dir, { recursive: true, force: true });

const total = [...counts.values()].reduce((a, b) => a + b, 0);
console.log(`requests: ${total} in ${SECONDS} s (${(total / SECONDS).toFixed(0)}/s), concurrency ${CONCURRENCY}`);
for (const [key, n] of [...counts].sort((a, b) => b[1] - a[1])) console.log(`  ${key.padEnd(34)} ${n}`);
console.log(`RSS: ${rssStart.toFixed(1)} MB at start, ${rssEnd.toFixed(1)} MB at end`);
console.log(`stored evaluations checked: ${evaluated.size}, wrong: ${wrong}; healthy at end: ${healthy}`);
console.log(
  JSON.stringify({
    requests: total,
    by_class: Object.fromEntries(counts),
    rss_start_mb: Number(rssStart.toFixed(1)),
    rss_end_mb: Number(rssEnd.toFixed(1)),
    evaluations_checked: evaluated.size,
    stored_wrong: wrong,
    healthy,
  }),
);
if (wrong > 0 || !healthy) process.exitCode = 1;
