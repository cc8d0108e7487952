// A real server (Node entry, SQLite file, HTTP) holding what a person opens the viewer to look at:
// finished batches of InFoBench items, a running batch, calibration profiles and usage, for two
// tenants. Every figure the pages show can be checked against what was put in.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer } from "../../../src/server";
import { Meter } from "../../../src/usage/meter";
import {
  type TOE_JUDGES,
  pairwiseExamples,
  pointwiseExamples,
  seeded,
  syntheticTrustOrEscalate,
  trustOrEscalateExamples,
  trustOrEscalatePresent,
} from "../../support/calibration-data";
import { type FakeUpstream, startFakeUpstream } from "../../support/fake-upstream";
import { type InfoBenchRow, infobench, payloadOf, upstreamEnv } from "../../support/harness";
import { infobenchItems } from "../../support/batches";

export const ADMIN = "viewer-admin-key-0123456789";

/** A generic rubric every response of the "rubric" batch is graded against: one shared checklist. */
export const RUBRIC = [
  { question: "Does the response do what the instruction asks?", weight: 100, must_pass: true },
  { question: "Does it respect every explicit constraint (length, format, person, tone)?", weight: 80 },
  { question: "Is it free of factual errors?", weight: 60 },
  { question: "Is it free of padding and repetition?", weight: 30 },
  { question: "Would a careful reader accept it without edits?", weight: 50 },
];

export interface World {
  base: string;
  fake: FakeUpstream;
  keys: { acme: string; globex: string };
  batches: { infobench: string; rubric: string; running: string; globex: string };
  calibrations: { pointwise: string; cascade: string };
  /** Usage booked on past days, per day, as recorded: the truth the usage chart is checked against. */
  pastUsage: { day: string; requests: number; promptTokens: number; completionTokens: number; cacheHits: number }[];
  request(method: string, path: string, key: string | null, body?: unknown): Promise<{ status: number; json: any; text: string }>;
  waitUntilSettled(id: string, key: string): Promise<any>;
  stop(): Promise<void>;
}

const bearer = (key: string | null): Record<string, string> => (key ? { authorization: `Bearer ${key}` } : {});

/** The recorded GPT-4 verdict of a row for checklist position k, cycling over its own questions. */
const recorded = (row: InfoBenchRow, k: number) => row.eval[k % row.eval.length] ?? true;

/** The recorded verdicts, by the instruction (InFoBench checklists) or the response (rubric) a call carries. */
function scriptVerdicts(fake: FakeUpstream) {
  const byText = new Map<string, InfoBenchRow>();
  for (const row of infobench) {
    byText.set(row.instruction, row);
    byText.set(row.output, row);
  }
  const spread = seeded(5);
  fake.answer = (_id, index, call) => {
    const payload = payloadOf(call);
    const row = byText.get(payload.response) ?? byText.get(payload.instruction);
    const yes = row ? recorded(row, index) : true;
    const p = yes ? 0.8 + 0.19 * spread() : 0.02 + 0.3 * spread();
    return {
      verdict: yes ? "YES" : "NO",
      p_yes: Math.round(p * 1000) / 1000,
      rationale: `${yes ? "Met" : "Not met"}: recorded verdict for question ${index + 1}.`,
    };
  };
}

export async function startWorld(options: { adminKey?: boolean } = {}): Promise<World> {
  const fake = await startFakeUpstream();
  const dir = mkdtempSync(join(tmpdir(), "tickbox-viewer-"));
  const server = await startServer({
    ...upstreamEnv(fake),
    HOST: "127.0.0.1",
    PORT: "0",
    TICKBOX_DB: join(dir, "viewer.db"),
    TICKBOX_PRICES: JSON.stringify({ "judge-test": { prompt: 0.15, completion: 0.6 } }),
    ...(options.adminKey === false ? {} : { TICKBOX_ADMIN_KEY: ADMIN }),
  });
  const base = server.url;
  const request = async (method: string, path: string, key: string | null, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...bearer(key), ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text };
  };
  const must = async (method: string, path: string, key: string | null, body?: unknown) => {
    const res = await request(method, path, key, body);
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
    return res.json;
  };
  const waitUntilSettled = async (id: string, key: string) => {
    for (let i = 0; i < 600; i++) {
      const b = await must("GET", `/v1/batches/${id}`, key);
      if (b.status !== "running" && b.counts.running === 0) return b;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`batch ${id} did not settle`);
  };

  const admin = options.adminKey === false ? null : ADMIN;
  const makeKey = async (name: string, tenant: string, scopes: string[]) =>
    admin ? ((await must("POST", "/v1/keys", admin, { name, tenant, scopes })).key as string) : null;
  const acme = (await makeKey("acme-analyst", "acme", ["evaluate", "calibrate"])) ?? "";
  const globex = (await makeKey("globex-bot", "globex", ["evaluate"])) ?? "";
  const as = (key: string) => (admin ? key : null);

  scriptVerdicts(fake);
  // Each InFoBench instruction with its own decomposed questions, graded as GPT-4 graded it.
  const infobenchBatch = (await must("POST", "/v1/batches?concurrency=4", as(acme), infobenchItems(24))).id as string;
  await waitUntilSettled(infobenchBatch, acme);

  // The same 24 responses against one rubric: a shared checklist, so the viewer draws a heatmap.
  // The upstream refuses the first two grading calls: two items error.
  const rubric = await must("POST", "/v1/checklists", as(acme), { instruction: "Grade a response to an everyday writing request.", items: RUBRIC });
  fake.enqueue(
    { kind: "status", status: 400, body: { error: { message: "refused" } } },
    { kind: "status", status: 400, body: { error: { message: "refused" } } },
  );
  const rubricItems = infobench.map((row, i) => ({
    custom_id: `rubric-${String(i + 1).padStart(2, "0")}-${row.id}`,
    instruction: row.instruction,
    context: row.input || null,
    response: row.output,
    checklist_id: rubric.id,
  }));
  const rubricBatch = (await must("POST", "/v1/batches?concurrency=1", as(acme), rubricItems)).id as string;
  await waitUntilSettled(rubricBatch, acme);

  // Another tenant's batch, which acme must never see.
  const globexItems = infobench.slice(0, 3).map((row, i) => ({
    custom_id: `globex-secret-${i}`,
    instruction: row.instruction,
    response: row.output,
    checklist: { items: [{ question: "Is it good?" }] },
  }));
  const globexBatch = (await must("POST", "/v1/batches", as(globex), globexItems)).id as string;
  await waitUntilSettled(globexBatch, globex);

  // A pointwise profile of this judge, and a pairwise cascade of three judges.
  const pointwise = (
    await must("POST", "/v1/calibrations", as(acme), {
      name: "judge-test soft score",
      kind: "pointwise",
      judge: "judge-test",
      examples: pointwiseExamples(400, 3),
    })
  ).id as string;
  const judges: (typeof TOE_JUDGES)[number][] = ["mistral-7b-instruct", "gpt-3.5-turbo", "gpt-4-turbo"];
  // The real judges' data when ../shared is there, else synthetic judges of the same shape.
  const synthetic = trustOrEscalatePresent ? undefined : syntheticTrustOrEscalate();
  const cascadeJudges = judges.map((model) => ({ model, examples: synthetic ? pairwiseExamples(synthetic[model]) : trustOrEscalateExamples(model) }));
  const cascade = (
    await must("POST", "/v1/calibrations", as(acme), {
      name: "trust-or-escalate cascade",
      kind: "pairwise",
      judges: cascadeJudges,
      target: { alpha: 0.2, delta: 0.1 },
    })
  ).id as string;

  // Usage on earlier days, booked as the service books it.
  const acmeKeyId = admin ? (await must("GET", "/v1/keys", admin)).keys.find((k: any) => k.name === "acme-analyst").id : "open";
  const pastUsage = Array.from({ length: 6 }, (_, i) => {
    const day = new Date(Date.now() - (i + 2) * 86_400_000).toISOString().slice(0, 10);
    return { day, requests: 40 + i * 13, promptTokens: 9000 + i * 2500, completionTokens: 1500 + i * 400, cacheHits: 5 * i };
  });
  for (const u of pastUsage) {
    const meter = new Meter();
    meter.charge("judge-test", { upstream_calls: u.requests, prompt_tokens: u.promptTokens, completion_tokens: u.completionTokens });
    meter.cacheHits = u.cacheHits;
    await server.services.usage.store.record(acmeKeyId, "acme", u.day, meter, u.requests);
  }

  // A batch still running while the pages are looked at: slow answers, one call at a time.
  fake.latencyMs = 400;
  const runningItems = [...infobench, ...infobench].map((row, i) => ({
    custom_id: `slow-${i}`,
    instruction: row.instruction,
    response: `${row.output}\n(draft ${i})`,
    checklist_id: rubric.id,
  }));
  const running = (await must("POST", "/v1/batches?concurrency=1", as(acme), runningItems)).id as string;

  return {
    base,
    fake,
    keys: { acme, globex },
    batches: { infobench: infobenchBatch, rubric: rubricBatch, running, globex: globexBatch },
    calibrations: { pointwise, cascade },
    pastUsage,
    request,
    waitUntilSettled,
    async stop() {
      await server.stop(1000);
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
