// The HTTP contract, written once and run under Node (test/contract/node.test.ts) and inside
// workerd (test/worker/contract.test.ts). Runtime-neutral: no Node imports.
import { beforeEach, describe, expect, it } from "vitest";
import type { Client } from "../support/client";
import type { UpstreamControl } from "../support/fake-control";
import { expectProblem } from "../support/problems";
import { upstreamVars } from "../support/upstream-vars";
import { parseEvaluationId } from "../../src/store/evaluation-ids";
import { contractRow, FIXED_CHECKLIST_ID, FIXED_EVALUATION, FIXED_EVALUATION_ID, FIXED_ITEMS } from "./fixtures";

/** A runtime the contract runs on. */
export interface ContractTarget {
  runtime: "node" | "workerd";
  /**
   * A new instance of the service (its own metrics, replay cache and single-flight, as a second
   * process or isolate would have) over the database every instance of this target shares.
   */
  instance(vars: Record<string, string>): Client;
  /** Rows with this id in the shared database. */
  rowCount(table: "checklists" | "evaluations", id: string): Promise<number>;
  upstream: UpstreamControl;
}

const ZERO_USAGE = { upstream_calls: 0, prompt_tokens: 0, completion_tokens: 0 };

// Rows outlive a test in the shared database: each scenario's text is its own.
let counter = 0;
const unique = (text: string) => `${text} [run ${Date.now().toString(36)}-${++counter}]`;

/** Registers the contract for a target (a getter, since the target is built in beforeAll). */
export function contractSuite(get: () => ContractTarget) {
  let t: ContractTarget;
  let vars: Record<string, string>;
  const kinds = async () => (await t.upstream.calls()).map((c) => c.kind);
  beforeEach(async () => {
    t = get();
    vars = upstreamVars(t.upstream.baseUrl);
    await t.upstream.reset();
  });

  describe("happy paths", () => {
    it("stores a caller's checklist under the same id on every runtime, and returns it by id", async () => {
      const one = t.instance(vars);
      const { instruction, context } = FIXED_EVALUATION;
      const res = await one.post("/v1/checklists", { instruction, context, items: FIXED_ITEMS });
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ id: FIXED_CHECKLIST_ID, source: "provided", usage: ZERO_USAGE });
      const byId = await t.instance(vars).get(`/v1/checklists/${FIXED_CHECKLIST_ID}`);
      expect(byId.status).toBe(200);
      expect(byId.json.items).toEqual(res.json.items);
      expect(await kinds()).toEqual([]);
    });

    it("lists checklists newest first, each once, walking the cursor page by page", async () => {
      const one = t.instance(vars);
      const made: string[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await one.post("/v1/checklists", { instruction: unique(`Listed ${i}`), items: [{ question: `Q${i}?` }] });
        made.push(res.json.id);
      }
      const seen: { id: string; created_at: string }[] = [];
      let cursor: string | null = null;
      do {
        const page: any = await t.instance(vars).get(`/v1/checklists?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
        expect(page.status).toBe(200);
        seen.push(...page.json.checklists);
        cursor = page.json.next_cursor;
      } while (cursor !== null);
      expect(new Set(seen.map((c) => c.id)).size).toBe(seen.length);
      for (const id of made) expect(seen.map((c) => c.id)).toContain(id);
      const times = seen.map((c) => Date.parse(c.created_at));
      expect(times).toEqual([...times].sort((a, b) => b - a));
    });

    it("generates a checklist once, then serves it from the database to another instance", async () => {
      const instruction = unique(contractRow.instruction);
      const first = await t.instance(vars).post("/v1/checklists", { instruction, context: contractRow.input });
      expect(first.status).toBe(200);
      expect(first.json).toMatchObject({ source: "generated", cached: false, model: "judge-test" });
      expect(first.json.usage.upstream_calls).toBe(1);
      const again = await t.instance(vars).post("/v1/checklists", { instruction, context: contractRow.input });
      expect(again.json).toEqual({ ...first.json, cached: true, usage: ZERO_USAGE });
      expect(await kinds()).toEqual(["checklist"]);
    });

    it("evaluates with one call, replays, hits the database from another instance, and gets by id", async () => {
      await t.upstream.script({ answers: contractRow.eval.map((yes) => ({ verdict: yes ? "YES" : "NO", p_yes: yes ? 0.93 : 0.12 })) });
      const request = {
        instruction: contractRow.instruction,
        context: contractRow.input,
        response: unique(contractRow.output),
        checklist: { items: contractRow.decomposed_questions.map((question) => ({ question })) },
      };
      const one = t.instance(vars);
      const first = await one.post("/v1/evaluations", request);
      expect(first.status).toBe(200);
      expect(first.json.results.map((r: any) => r.verdict === "YES")).toEqual(contractRow.eval);
      expect(first.json.signal).toBe("logprobs");
      expect(first.json.results[0].p_yes).toBeCloseTo(contractRow.eval[0] ? 0.93 : 0.12, 6);
      expect(first.json).toMatchObject({ cached: false, usage: { upstream_calls: 1 } });
      const replayed = await one.post("/v1/evaluations", request);
      const fromDatabase = await t.instance(vars).post("/v1/evaluations", request);
      for (const res of [replayed, fromDatabase]) {
        expect(res.json).toEqual({ ...first.json, cached: true, usage: ZERO_USAGE });
      }
      const byId = await t.instance(vars).get(`/v1/evaluations/${first.json.id}`);
      expect(byId.status).toBe(200);
      expect(byId.json.results).toEqual(first.json.results);
      expect(await kinds()).toEqual(["grading"]);
    });

    it("derives the same evaluation id from the same inputs on every runtime", async () => {
      const res = await t.instance(vars).post("/v1/evaluations", FIXED_EVALUATION);
      expect(res.status).toBe(200);
      expect(res.json.id).toBe(FIXED_EVALUATION_ID);
      expect(res.json.checklist.id).toBe(FIXED_CHECKLIST_ID);
    });

    it("shares one upstream call among concurrent identical requests to one instance", async () => {
      await t.upstream.script({ latencyMs: 150 });
      const one = t.instance(vars);
      const request = { ...FIXED_EVALUATION, response: unique("Concurrent response.") };
      const replies = await Promise.all(Array.from({ length: 10 }, () => one.post("/v1/evaluations", request)));
      expect(replies.map((r) => r.status)).toEqual(Array(10).fill(200));
      expect(new Set(replies.map((r) => r.json.id)).size).toBe(1);
      expect(await kinds()).toEqual(["grading"]);
    });

    it("stores one row when two instances grade the same request at once, without an error", async () => {
      // Each instance has its own single-flight, as two isolates would: both call upstream, and
      // the second insert meets the unique fingerprint and does nothing.
      await t.upstream.script({ latencyMs: 300 });
      const request = { ...FIXED_EVALUATION, response: unique("Raced response.") };
      const [a, b] = await Promise.all([t.instance(vars), t.instance(vars)].map((i) => i.post("/v1/evaluations", request)));
      expect([a!.status, b!.status]).toEqual([200, 200]);
      expect(a!.json.id).toBe(b!.json.id);
      expect(a!.json.results).toEqual(b!.json.results);
      expect(await kinds()).toEqual(["grading", "grading"]);
      expect(await t.rowCount("evaluations", parseEvaluationId(a!.json.id)!.gradingId)).toBe(1);
    });
  });

  describe("errors", () => {
    const request = FIXED_EVALUATION;

    it("400 for a body that is not JSON, 415 for one that is not application/json", async () => {
      const one = t.instance(vars);
      expectProblem(await one.post("/v1/evaluations", '{"instruction": "x",'), 400, "invalid_json");
      const text = await one.post("/v1/evaluations", JSON.stringify(request), { "content-type": "text/plain" });
      expectProblem(text, 415, "unsupported_media_type");
    });

    it("413 for a body over the configured limit, before any upstream call", async () => {
      const small = t.instance({ ...vars, TICKBOX_MAX_BODY_BYTES: "2048" });
      const res = await small.post("/v1/evaluations", { ...request, response: "x".repeat(5000) });
      expectProblem(res, 413, "payload_too_large");
      expect(res.json.detail).toContain("2048");
      expect(await kinds()).toEqual([]);
    });

    it("422 naming every wrong, missing or unknown field", async () => {
      const res = await t.instance(vars).post("/v1/evaluations", {
        instruction: "   ",
        reponse: "typo",
        checklist: { items: [{ question: "ok", weight: 0 }] },
      });
      expectProblem(res, 422, "validation_failed");
      const paths = res.json.errors.map((e: any) => e.path).sort();
      expect(paths).toEqual(["/checklist/items/0/weight", "/instruction", "/reponse", "/response"]);
    });

    it("404 for an unknown checklist id, evaluation id or route", async () => {
      const one = t.instance(vars);
      const unknown = await one.post("/v1/evaluations", { instruction: "x", response: "y", checklist_id: "cl_missing" });
      expectProblem(unknown, 404, "not_found");
      expect(unknown.json.errors[0].path).toBe("/checklist_id");
      expectProblem(await one.get("/v1/evaluations/ev_missing"), 404, "not_found");
      expectProblem(await one.get("/v1/checklists/cl_missing"), 404, "not_found");
      expectProblem(await one.get("/v1/nothing-here"), 404, "not_found");
    });

    it("405 with Allow for a known path asked with another method", async () => {
      const one = t.instance(vars);
      const wrong = await one.send("DELETE", "/v1/evaluations");
      expectProblem(wrong, 405, "method_not_allowed");
      expect(wrong.headers.get("allow")).toBe("GET, HEAD, POST");
      const byId = await one.send("PUT", "/v1/evaluations/ev_any", { instruction: "x" });
      expectProblem(byId, 405, "method_not_allowed");
      expect(byId.headers.get("allow")).toBe("GET, HEAD");
      expect(byId.json.detail).toContain("not PUT");
    });

    it("503 naming the variables to set when no upstream is configured", async () => {
      const res = await t.instance({}).post("/v1/evaluations", { ...request, response: unique("No upstream.") });
      expectProblem(res, 503, "upstream_not_configured");
      expect(res.json.detail).toContain("TICKBOX_JUDGE_MODEL");
    });

    it("502 on an upstream error, storing nothing; the next request calls again", async () => {
      await t.upstream.script({ faults: [{ kind: "status", status: 500 }] });
      const one = t.instance(vars);
      const body = { ...request, response: unique("Upstream failure.") };
      expectProblem(await one.post("/v1/evaluations", body), 502, "upstream_error");
      const retry = await one.post("/v1/evaluations", body);
      expect(retry.status).toBe(200);
      expect(retry.json.cached).toBe(false);
      expect(await kinds()).toEqual(["grading", "grading"]);
    });

    it("502 after two invalid answers", async () => {
      const content = '{"q1":{"rationale":"a","verdict":"MAYBE"}}';
      await t.upstream.script({
        faults: [
          { kind: "content", content },
          { kind: "content", content },
        ],
      });
      const res = await t.instance(vars).post("/v1/evaluations", { ...request, response: unique("Invalid answers.") });
      expectProblem(res, 502, "upstream_invalid_output");
      expect(await kinds()).toHaveLength(2);
    });

    it("504 when the upstream does not answer in time", async () => {
      await t.upstream.script({ faults: [{ kind: "hang" }] });
      const hurried = t.instance({ ...vars, TICKBOX_UPSTREAM_TIMEOUT_MS: "300" });
      const res = await hurried.post("/v1/evaluations", { ...request, response: unique("Timed out.") });
      expectProblem(res, 504, "upstream_timeout");
    });
  });
}
