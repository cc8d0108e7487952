// Scripting the fake upstream from where its object cannot be reached: tests running inside
// workerd talk to the fake (a Node server) over HTTP, under /_control/. Runtime-neutral: no
// Node imports, so the Worker suite can import the client half.
import type { ChecklistItem, FakeCall, FakeUpstream, Fault, ItemAnswer, LogprobMode } from "./fake-upstream";

/** A declarative script: what `fake.answer` and friends do, as plain data that travels as JSON. */
export interface FakeScript {
  latencyMs?: number;
  logprobs?: LogprobMode;
  checklist?: ChecklistItem[];
  /** Answers by item position; items past the end answer YES. */
  answers?: ItemAnswer[];
  faults?: Fault[];
}

/** What a test sees of the fake, in-process or over HTTP. */
export interface UpstreamControl {
  baseUrl: string;
  reset(): Promise<void>;
  script(script: FakeScript): Promise<void>;
  calls(): Promise<Pick<FakeCall, "kind" | "usage">[]>;
  /** The most chat calls it has answered at once since the last reset. */
  maxInFlight(): Promise<number>;
}

export function applyScript(fake: FakeUpstream, script: FakeScript): void {
  if (script.latencyMs !== undefined) fake.latencyMs = script.latencyMs;
  if (script.logprobs !== undefined) fake.logprobs = script.logprobs;
  if (script.checklist) fake.checklist = script.checklist.map((i) => ({ ...i }));
  const answers = script.answers;
  if (answers) fake.answer = (_id, index) => answers[index] ?? { verdict: "YES", p_yes: 0.9 };
  if (script.faults) fake.enqueue(...script.faults);
}

/**
 * Serves /_control/reset, /_control/script, /_control/calls and /_control/in-flight; returns null for other paths,
 * which the fake then handles as upstream requests.
 */
export function controlResponse(fake: FakeUpstream, method: string, path: string, raw: string): { status: number; body: unknown } | null {
  if (!path.startsWith("/_control/")) return null;
  if (method === "POST" && path === "/_control/reset") {
    fake.reset();
    return { status: 200, body: { ok: true } };
  }
  if (method === "POST" && path === "/_control/script") {
    applyScript(fake, JSON.parse(raw || "{}") as FakeScript);
    return { status: 200, body: { ok: true } };
  }
  if (method === "GET" && path === "/_control/calls") {
    return { status: 200, body: fake.calls.map((c) => ({ kind: c.kind, usage: c.usage })) };
  }
  if (method === "GET" && path === "/_control/in-flight") {
    return { status: 200, body: { max: fake.maxInFlight } };
  }
  return { status: 404, body: { error: `no control route ${method} ${path}` } };
}

/** Control of a fake in this process. */
export function localControl(fake: FakeUpstream): UpstreamControl {
  return {
    baseUrl: fake.baseUrl,
    reset: async () => fake.reset(),
    script: async (script) => applyScript(fake, script),
    calls: async () => fake.calls.map((c) => ({ kind: c.kind, usage: c.usage })),
    maxInFlight: async () => fake.maxInFlight,
  };
}

/** Control of a fake in another process (or runtime), given its `/v1` base URL. */
export function remoteControl(baseUrl: string): UpstreamControl {
  const origin = new URL(baseUrl).origin;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${origin}/_control/${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
    });
    if (!res.ok) throw new Error(`fake control ${path}: HTTP ${res.status}`);
    return res.json();
  };
  return {
    baseUrl,
    reset: async () => void (await call("POST", "reset", {})),
    script: async (script) => void (await call("POST", "script", script)),
    calls: async () => (await call("GET", "calls")) as Pick<FakeCall, "kind" | "usage">[],
    maxInFlight: async () => ((await call("GET", "in-flight")) as { max: number }).max,
  };
}
