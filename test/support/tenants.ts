// Two tenants with keys of every scope and a stored object of every kind each, over one in-process
// app with an admin key and background batches: the ground the security tests stand on.
import { expect } from "vitest";
import { Meter } from "../../src/usage/meter";
import type { FakeUpstream } from "./fake-upstream";
import { ADMIN_KEY, bearer } from "./file-fake";
import { makeApp, upstreamEnv } from "./harness";

export type App = ReturnType<typeof makeApp>;

export interface Key {
  id: string;
  key: string;
  tenant: string;
}

/** The ids of one tenant's stored objects, by kind. */
export interface Objects {
  checklist: string;
  evaluation: string;
  calibration: string;
  pairwiseCalibration: string;
  batch: string;
  key: string;
}

const items = [{ question: "Does it answer?", weight: 100, must_pass: true }, { question: "Is it polite?" }];
let counter = 0;
/** Text no earlier request has sent, so that it costs an upstream call. */
export const fresh = (label: string) => `${label} #${++counter} ${Math.random().toString(36).slice(2, 8)}`;

export async function makeKey(t: App, body: Record<string, unknown>, as = ADMIN_KEY): Promise<Key> {
  const res = await t.post("/v1/keys", body, bearer(as));
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return { id: res.json.id, key: res.json.key, tenant: res.json.tenant };
}

/** What a key booked today: requests, upstream calls and tokens (usage written first). */
export async function usageOf(t: App, key: Key) {
  const res = await t.send("GET", "/v1/usage", undefined, bearer(key.key));
  expect(res.status).toBe(200);
  const day = res.json.usage.find((u: { key_id: string }) => u.key_id === key.id);
  return { requests: day?.requests ?? 0, upstream_calls: day?.upstream_calls ?? 0, tokens: (day?.prompt_tokens ?? 0) + (day?.completion_tokens ?? 0) };
}

/** Books `tokens` of upstream usage to a key, as if it had spent them earlier today. */
export function spendEarlier(t: App, key: Key, tokens: number) {
  const meter = new Meter();
  meter.charge("judge-test", { upstream_calls: 1, prompt_tokens: tokens, completion_tokens: 0 });
  t.services.usage.recorder.addUpstream(key.id, key.tenant, meter);
}

const examples = (n: number) => Array.from({ length: n }, (_, i) => ({ p: ((i * 37) % 100) / 100, label: (i * 37) % 100 > 40 ? 1 : 0 }));

/** One object of every kind, made by `owner` (a key with every scope) in its tenant. */
async function objectsOf(t: App, owner: Key, admin: Key): Promise<Objects> {
  const as = bearer(owner.key);
  const checklist = await t.post("/v1/checklists", { instruction: fresh("Reply to the customer."), items }, as);
  const evaluation = await t.post("/v1/evaluations", { instruction: "Reply.", response: fresh("Thanks"), checklist_id: checklist.json.id }, as);
  const calibration = await t.post("/v1/calibrations", { name: fresh("profile"), kind: "pointwise", examples: examples(60) }, as);
  const pairwise = await t.post(
    "/v1/calibrations",
    { name: fresh("pairs"), kind: "pairwise", examples: examples(60).map(({ p, label }) => ({ p_a: p, label: label ? "a" : "b" })) },
    as,
  );
  const batch = await t.post("/v1/batches", [{ instruction: "Reply.", response: fresh("Batch reply"), checklist_id: checklist.json.id }], as);
  for (const res of [checklist, evaluation, calibration, pairwise]) expect(res.status, JSON.stringify(res.json)).toBe(200);
  expect(batch.status).toBe(202);
  await t.services.batches!.idle(batch.json.id);
  const key = await makeKey(t, { name: fresh("spare"), scopes: ["evaluate"] }, admin.key);
  return {
    checklist: checklist.json.id,
    evaluation: evaluation.json.id,
    calibration: calibration.json.id,
    pairwiseCalibration: pairwise.json.id,
    batch: batch.json.id,
    key: key.id,
  };
}

/** Tenants acme and globex: keys of each scope in acme, an owner and an admin in each, and their objects. */
export async function twoTenants(fake: FakeUpstream) {
  const t = makeApp({ ...upstreamEnv(fake), TICKBOX_ADMIN_KEY: ADMIN_KEY }, { background: true });
  const key = (name: string, tenant: string, scopes: string[], extra: Record<string, unknown> = {}) => makeKey(t, { name, tenant, scopes, ...extra });
  const acme = {
    admin: await key("acme admin", "acme", ["admin"]),
    owner: await key("acme owner", "acme", ["evaluate", "calibrate"]),
    evaluate: await key("acme evaluate", "acme", ["evaluate"]),
    calibrate: await key("acme calibrate", "acme", ["calibrate"]),
  };
  const globex = {
    admin: await key("globex admin", "globex", ["admin"]),
    owner: await key("globex owner", "globex", ["evaluate", "calibrate"]),
  };
  const mine = await objectsOf(t, acme.owner, acme.admin);
  const theirs = await objectsOf(t, globex.owner, globex.admin);
  return { t, acme, globex, mine, theirs, key };
}
