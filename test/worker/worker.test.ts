import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, inject, it } from "vitest";
import { checklists, evaluations } from "../../src/store/schema";
import { canonicalJson, fingerprint, fingerprintEngine, webCryptoSha256 } from "../../src/store/fingerprint";
import worker, { instanceFor } from "../../src/worker";
import { clientOver } from "../support/client";
import { remoteControl } from "../support/fake-control";
import { upstreamVars } from "../support/upstream-vars";
import { NODE_SEEDED_EVALUATION } from "../contract/fixtures";
import { FINGERPRINT_VECTORS } from "../contract/vectors";
import { expectProblem } from "../support/problems";

const upstream = remoteControl(inject("upstreamUrl"));
const clientFor = (bindings: Record<string, unknown>) => clientOver((request) => worker.fetch(request, bindings as never, createExecutionContext()));

describe("the Worker entry", () => {
  it("serves through the bindings in wrangler.toml, D1 migrated", async () => {
    const res = await exports.default.fetch("http://tickbox.test/readyz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ready" });
  });

  it("answers 500 problem+json naming a missing D1 binding, without crashing", async () => {
    const res = await clientFor({ TICKBOX_JUDGE_MODEL: "m" }).get("/healthz");
    expectProblem(res, 500, "misconfigured");
    expect(res.json.detail).toContain("DB");
  });

  it("names a var it cannot read", async () => {
    const res = await clientFor({ DB: env.DB, TICKBOX_UPSTREAM_TIMEOUT_MS: "soon", TICKBOX_LOGPROBS: "sometimes" }).get("/healthz");
    expectProblem(res, 500, "misconfigured");
    expect(res.json.detail).toContain("TICKBOX_UPSTREAM_TIMEOUT_MS");
    expect(res.json.detail).toContain("TICKBOX_LOGPROBS");
    expect(res.json.detail).not.toContain("soon");
  });

  it("builds services once per env object, without batches where no queue is bound", async () => {
    const bindings = { DB: env.DB };
    const first = instanceFor(bindings);
    expect(instanceFor(bindings)).toBe(first);
    expect(instanceFor({ DB: env.DB })).not.toBe(first);
    expect("services" in first && first.services.batches).toBeUndefined();
  });

  it("answers 413 for a streamed body over the limit that declares no length", async () => {
    const big = new TextEncoder().encode(JSON.stringify({ instruction: "x", response: "y".repeat(4000) }));
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(big.slice(0, 2000));
        controller.enqueue(big.slice(2000));
        controller.close();
      },
    });
    const request = new Request("http://tickbox.test/v1/evaluations", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: stream,
    });
    expect(request.headers.get("content-length")).toBeNull();
    const res = await worker.fetch(request, { DB: env.DB, TICKBOX_MAX_BODY_BYTES: "2048" }, createExecutionContext());
    expect(res.status).toBe(413);
  });
});

describe("the same fingerprints as Node", () => {
  it("hashes to the digests Node computes, with Web Crypto as the deployed Worker does", async () => {
    // The test runner adds nodejs_compat_v2 (vitest needs it), so here `fingerprint` takes
    // node:crypto; the deployed Worker has no nodejs_compat and takes Web Crypto, checked directly
    // here and end to end under `wrangler dev` in test/e2e/wrangler-dev.test.ts.
    expect(fingerprintEngine).toBe("node:crypto");
    for (const { value, sha256 } of FINGERPRINT_VECTORS) {
      expect(await fingerprint(value)).toBe(sha256);
      expect(await webCryptoSha256(canonicalJson(value))).toBe(sha256);
    }
  });

  it("serves a row the Node service wrote as a cache hit, with no upstream call", async () => {
    const seeded = inject("nodeSeededRows");
    const db = drizzle(env.DB);
    const evaluation = seeded.evaluations[0]!;
    const before = await env.DB.prepare("select count(*) as n from evaluations where id = ?").bind(evaluation.id).first<{ n: number }>();
    expect(before?.n).toBe(0);
    await db.insert(checklists).values(seeded.checklists).onConflictDoNothing();
    await db.insert(evaluations).values(seeded.evaluations);
    await upstream.reset();
    const res = await clientFor({ ...upstreamVars(upstream.baseUrl), DB: env.DB }).post("/v1/evaluations", NODE_SEEDED_EVALUATION);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ id: `${evaluation.id}~0.8`, cached: true, usage: { upstream_calls: 0 } });
    expect(res.json.results).toEqual(evaluation.results);
    expect(await upstream.calls()).toEqual([]);
  });
});
