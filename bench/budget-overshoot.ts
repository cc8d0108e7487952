// How far a daily token budget can be overrun, measured (docs/budgets.md). For each scenario, a
// fresh service and a key with the budget; `concurrency` evaluations at once, then one at a time
// until the key is refused. What was spent is the fake upstream's own bill. Scenarios:
//   honest   the upstream counts 4 characters a token (English with a GPT tokenizer); rationales short
//   hostile  responses of 6,000 random base64 characters, and an upstream that bills a token for
//            every byte of the prompt and schema plus chat framing (the most any byte-level BPE can
//            count: byteLevelWorstCase); rationales short
//   verbose  as hostile, and the judge writes 1,200-character rationales (300 tokens, ≈ 5× a field's
//            allowance): what a budget can still be overrun by, the answer beyond its allowance
//   npx tsx bench/budget-overshoot.ts
import { createApp } from "../src/app";
import { parseConfig } from "../src/config";
import { buildServices } from "../src/services";
import { openSqlite } from "../src/store/sqlite";
import { createSqlStores } from "../src/store/sql-stores";
import { estimateTokens } from "../src/usage/estimate";
import { type FakeCall, byteLevelWorstCase, startFakeUpstream } from "../test/support/fake-upstream";

const ADMIN = "bench-admin-key-0123456789";
const checklist = {
  items: [{ question: "Does it answer the question?", weight: 100, must_pass: true }, { question: "Is it polite?" }, { question: "Is it short?" }],
};

const fake = await startFakeUpstream({ latencyMs: 20 });
const billedOf = (c: FakeCall) => (c.usage ? c.usage.prompt_tokens + c.usage.completion_tokens : 0);
const reservedOf = (c: FakeCall) => estimateTokens({ messages: c.body.messages, schema: { name: "", schema: c.body.response_format.json_schema.schema } });

async function scenario(name: string, budget: number, concurrency: number, worstCase: boolean, rationale: number) {
  fake.reset();
  fake.latencyMs = 20;
  fake.promptTokensOf = worstCase ? byteLevelWorstCase : null;
  fake.answer = () => ({ verdict: "YES", p_yes: 0.9, rationale: rationale ? "x".repeat(rationale) : "Met." });
  const database = openSqlite(":memory:");
  const app = createApp(
    buildServices(
      parseConfig({
        TICKBOX_DB: ":memory:",
        TICKBOX_ADMIN_KEY: ADMIN,
        TICKBOX_UPSTREAM_CONCURRENCY: "64",
        OPENAI_BASE_URL: fake.baseUrl,
        OPENAI_API_KEY: "x",
        TICKBOX_JUDGE_MODEL: "judge",
      }),
      createSqlStores(database),
    ),
  );
  const call = async (path: string, body: unknown, key: string) => {
    const res = await app.request(path, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as any };
  };
  const key = (await call("/v1/keys", { name: name, scopes: ["evaluate"], daily_token_budget: budget }, ADMIN)).json.key as string;
  let n = 0;
  const base64 = () => Buffer.from(crypto.getRandomValues(new Uint8Array(4500))).toString("base64");
  const evaluation = () => ({ instruction: "Answer the customer.", response: worstCase ? base64() : `We ship tomorrow, reply ${++n}.`, checklist });
  const first = await Promise.all(Array.from({ length: concurrency }, () => call("/v1/evaluations", evaluation(), key)));
  let sequential = 0;
  for (let i = 0; i < 50; i++) {
    if ((await call("/v1/evaluations", evaluation(), key)).status === 429) break;
    sequential++;
  }
  const spent = fake.calls.reduce((s, c) => s + billedOf(c), 0);
  const reserved = fake.calls.map(reservedOf);
  const billed = fake.calls.map(billedOf);
  database.close();
  return {
    scenario: name,
    budget,
    concurrency,
    admitted_concurrent: first.filter((r) => r.status === 200).length,
    admitted_after: sequential,
    spent,
    overshoot: Math.max(0, spent - budget),
    mean_billed_per_call: Math.round(billed.reduce((a, b) => a + b, 0) / Math.max(1, billed.length)),
    mean_reserved_per_call: Math.round(reserved.reduce((a, b) => a + b, 0) / Math.max(1, reserved.length)),
    worst_excess_per_call: Math.max(0, ...billed.map((b, i) => b - reserved[i]!)),
  };
}

const rows = [];
for (const [name, worstCase, rationale] of [
  ["honest", false, 0],
  ["hostile", true, 0],
  ["verbose", true, 1200],
] as const) {
  for (const budget of [10_000, 100_000, 1_000_000]) {
    for (const concurrency of [1, 40]) rows.push(await scenario(name, budget, concurrency, worstCase, rationale));
  }
}
console.log(
  "| scenario | budget | concurrent | admitted at once | then one by one | spent | overshoot | billed/call | reserved/call | worst excess/call |\n|---|---|---|---|---|---|---|---|---|---|",
);
for (const r of rows) {
  console.log(
    `| ${r.scenario} | ${r.budget} | ${r.concurrency} | ${r.admitted_concurrent} | ${r.admitted_after} | ${r.spent} | ${r.overshoot} | ${r.mean_billed_per_call} | ${r.mean_reserved_per_call} | ${r.worst_excess_per_call} |`,
  );
}
await fake.close();
