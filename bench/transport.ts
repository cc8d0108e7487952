// What one upstream call costs this process in CPU, through the openai SDK, over the built-in fetch
// and over tickbox's Node transport (src/llm/node-fetch.ts). The fake upstream runs in a process of
// its own, so only the client's side is counted.   npx tsx bench/transport.ts
import { spawn } from "node:child_process";
import { join } from "node:path";
import OpenAI from "openai";
import { nodeFetch } from "../src/llm/node-fetch";
import { GRADING_SCHEMA_NAME, gradingSchema } from "../src/judge/output";
import { gradingMessages } from "../src/judge/prompts";

const CALLS = 2_000;
const CONCURRENCY = 16;

const fake = spawn(process.execPath, ["--import", "tsx", "test/support/fake-upstream.ts", "--latency", "5"], {
  cwd: join(import.meta.dirname, ".."),
  stdio: ["ignore", "pipe", "inherit"],
});
const baseURL = await new Promise<string>((resolve) => fake.stdout.once("data", (d) => resolve(String(d).trim())));

const ids = ["q1", "q2", "q3"];
const request = (i: number) => ({
  model: "bench-judge",
  temperature: 0,
  logprobs: true,
  top_logprobs: 5,
  response_format: { type: "json_schema" as const, json_schema: { name: GRADING_SCHEMA_NAME, strict: true, schema: gradingSchema(ids) } },
  messages: gradingMessages({
    instruction: "Answer the customer politely.",
    context: null,
    response: `We will ship it tomorrow (${i}).`,
    items: ids.map((id) => ({ id, question: `Question ${id}?` })),
  }),
});

/** CPU µs per call of `CALLS` calls, `CONCURRENCY` at a time (after a warm-up of the same). */
async function cpuPerCall(client: OpenAI): Promise<number> {
  let cpu = 0;
  for (const round of [0, 1]) {
    let next = 0;
    const before = process.cpuUsage();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = next++; i < CALLS; i = next++) await client.chat.completions.create(request(i));
      }),
    );
    const used = process.cpuUsage(before);
    if (round === 1) cpu = (used.user + used.system) / CALLS;
  }
  return cpu;
}

try {
  const options = { baseURL, apiKey: "bench", maxRetries: 0 };
  const builtIn = await cpuPerCall(new OpenAI(options));
  const ours = await cpuPerCall(new OpenAI({ ...options, fetch: nodeFetch }));
  console.log(`| transport | CPU per call |\n|---|---|`);
  console.log(`| built-in fetch | ${builtIn.toFixed(0)} µs |\n| src/llm/node-fetch.ts (undici request) | ${ours.toFixed(0)} µs |`);
  console.log(JSON.stringify({ builtin_us: Math.round(builtIn), node_fetch_us: Math.round(ours), ratio: Number((ours / builtIn).toFixed(3)) }));
} finally {
  fake.kill("SIGTERM");
}
