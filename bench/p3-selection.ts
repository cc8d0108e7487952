// P3 — best-of-8 on a cold cache with 300 ms upstream latency, in a tickbox server process:
//   wall time ÷ (one checklist call + one grading call)                      (target ≤ 1.15)
//   upstream calls: 1 + 8 cold, 0 when the same selection is repeated.
// The eight gradings run concurrently (TICKBOX_UPSTREAM_CONCURRENCY defaults to 16), so a cold
// best-of-8 should take the time of one checklist call followed by one grading call.
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FakeUpstream, FakeUpstreamOptions } from "../test/support/fake-upstream";

const UPSTREAM_MS = 300;
const N = 8;
const ROUNDS = 3;

export interface SelectionBenchmark {
  rows: (readonly [string, string, string, string, string, boolean])[];
  fields: Record<string, number>;
}

const post = (url: string, body: unknown) => fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Runs P3 against its own fake upstream and tickbox process, and returns the table rows and JSON fields. */
export async function runSelectionBenchmark(deps: {
  startFake: (options: FakeUpstreamOptions) => Promise<FakeUpstream>;
  startServer: (env: Record<string, string>) => Promise<{ url: string; child: ChildProcess }>;
}): Promise<SelectionBenchmark> {
  const fake = await deps.startFake({ latencyMs: UPSTREAM_MS });
  const dir = mkdtempSync(join(tmpdir(), "tickbox-bench-p3-"));
  const server = await deps.startServer({
    TICKBOX_DB: join(dir, "p3.db"),
    OPENAI_BASE_URL: fake.baseUrl,
    OPENAI_API_KEY: "bench",
    TICKBOX_JUDGE_MODEL: "bench-judge",
  });
  // Candidates differ in their verdicts, as real ones would, so the ranking has work to do.
  fake.answer = (_id, index, call) => {
    const text: string = JSON.parse(call.body.messages.at(-1).content).response;
    const n = Number(/(\d+)$/.exec(text)?.[1] ?? 0);
    const yes = (n + index) % 3 !== 0;
    return { verdict: yes ? "YES" : "NO", p_yes: yes ? 0.9 : 0.1 };
  };
  try {
    const walls: number[] = [];
    const direct: number[] = [];
    let coldCalls = 0;
    let repeatCalls = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const body = {
        instruction: `Write a two-sentence product update for release ${round}.`,
        candidates: Array.from({ length: N }, (_, i) => `Draft of release ${round}, candidate ${i}`),
      };
      let before = fake.calls.length;
      const started = performance.now();
      const res = await post(`${server.url}/v1/selections`, body);
      const json = (await res.json()) as { winner: number };
      walls.push(performance.now() - started);
      if (res.status !== 200 || typeof json.winner !== "number") throw new Error(`P3: selection answered ${res.status}`);
      coldCalls = Math.max(coldCalls, fake.calls.length - before);
      // The same two calls a selection makes in sequence, sent straight to the upstream.
      const [checklistCall, gradingCall] = [fake.calls[before]!, fake.calls[before + 1]!];
      const t0 = performance.now();
      for (const call of [checklistCall, gradingCall]) await (await post(`${fake.baseUrl}/chat/completions`, call.body)).json();
      direct.push(performance.now() - t0);
      before = fake.calls.length;
      const again = await post(`${server.url}/v1/selections`, body);
      if (again.status !== 200) throw new Error("P3: repeated selection failed");
      await again.json();
      repeatCalls = Math.max(repeatCalls, fake.calls.length - before);
    }
    const wallMs = median(walls);
    const directMs = median(direct);
    const nominal = wallMs / (2 * UPSTREAM_MS);
    const measured = wallMs / directMs;
    return {
      rows: [
        [
          "P3",
          `best-of-${N} cold wall time ÷ nominal checklist + grading calls`,
          `median ${wallMs.toFixed(1)} ms / ${2 * UPSTREAM_MS} ms`,
          nominal.toFixed(3),
          "≤ 1.15",
          nominal <= 1.15,
        ],
        [
          "P3'",
          `best-of-${N} cold wall time ÷ measured checklist + grading calls`,
          `median ${wallMs.toFixed(1)} ms / ${directMs.toFixed(1)} ms`,
          measured.toFixed(3),
          "≤ 1.15",
          measured <= 1.15,
        ],
        [
          "P3c",
          `upstream calls, best-of-${N} cold / repeated`,
          `${coldCalls} / ${repeatCalls} call(s)`,
          `${coldCalls} / ${repeatCalls}`,
          `= ${1 + N} / 0`,
          coldCalls === 1 + N && repeatCalls === 0,
        ],
      ],
      fields: {
        p3: Number(nominal.toFixed(3)),
        p3_vs_measured: Number(measured.toFixed(3)),
        p3_wall_ms: Number(wallMs.toFixed(1)),
        p3_direct_ms: Number(directMs.toFixed(1)),
        p3_cold_calls: coldCalls,
        p3_repeat_calls: repeatCalls,
      },
    };
  } finally {
    server.child.kill("SIGTERM");
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
