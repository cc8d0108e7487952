// The promptfoo webhook checks the checklist in its var by the same rule as POST /v1/checklists:
// for generated lists of items (valid, mistyped, out of range, too long, too many), both accept or
// both refuse, at the same places, and what promptfoo stores is what /v1/checklists stores.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as promptfoo from "../../src/routes/integrations/promptfoo";
import { useFakeUpstream } from "../support/file-fake";
import { makeApp, upstreamEnv } from "../support/harness";
import { expectSound, hostileValue, successOf } from "./support";

const fake = useFakeUpstream();

const question = fc.oneof(
  { weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: 40 }) },
  fc.constantFrom("", "   ", "x".repeat(2000), "x".repeat(2001), "x".repeat(5000), " padded? "),
);
const weight = fc.oneof(fc.integer({ min: 1, max: 100 }), fc.constantFrom(0, -99, 101, 1e308, 50.5, "50", null, true));
const mustPass = fc.oneof(fc.boolean(), fc.constantFrom("no", "true", 1, 0, null));

const entry = fc.oneof(
  { weight: 3, arbitrary: fc.record({ question, weight, must_pass: mustPass }, { requiredKeys: ["question"] }) },
  { weight: 2, arbitrary: question },
  fc.record({ question, extra: hostileValue }),
  hostileValue,
);

/** What the same entry is as a /v1/checklists item: a bare string stands for {question}. */
const asItem = (e: unknown) => (typeof e === "string" ? { question: e } : e);

describe("fuzz: the promptfoo checklist var", () => {
  it("is accepted and refused exactly as POST /v1/checklists accepts and refuses its items", async () => {
    const t = makeApp({ ...upstreamEnv(fake), TICKBOX_MAX_CHECKLIST_ITEMS: "12" });
    const success = successOf(promptfoo.route);
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { minLength: 1, maxLength: 16 }), fc.nat(1_000_000), async (entries, n) => {
        const instruction = `Greet person ${n}.`;
        const direct = await t.post("/v1/checklists", { instruction, items: entries.map(asItem) });
        const viaPromptfoo = await t.post("/v1/integrations/promptfoo", { output: "Hello!", context: { prompt: instruction, vars: { checklist: entries } } });
        expectSound(viaPromptfoo, success);
        expect(viaPromptfoo.status === 200, `${direct.text}\n${viaPromptfoo.text}`).toBe(direct.status === 200);
        if (direct.status === 200) {
          const evaluation = await t.get(`/v1/evaluations/${viaPromptfoo.json.evaluation_id}`);
          expect(evaluation.json.checklist.items).toEqual(direct.json.items);
          return;
        }
        expect(viaPromptfoo.json.code).toBe(direct.json.code);
        // The payload as a whole is checked first (text that is not Unicode, nesting too deep), the
        // items after; /v1/checklists checks its items' schema first. Either way it is refused, at
        // the same places unless the payload check found something first.
        if (viaPromptfoo.json.errors.some((e: any) => /lone surrogate|nested deeper/.test(e.message))) return;
        const where = (path: string) => path.replace(/^\/context\/vars\/checklist/, "/items");
        expect(viaPromptfoo.json.errors.map((e: any) => where(e.path))).toEqual(direct.json.errors.map((e: any) => e.path));
      }),
      { numRuns: 250 },
    );
  }, 120_000);

  it("a non-string output is held to TICKBOX_MAX_TEXT_CHARS as its JSON, before any upstream call", async () => {
    const t = makeApp({ ...upstreamEnv(fake), TICKBOX_MAX_TEXT_CHARS: "1000" });
    const payload = (count: number) => ({
      output: Array.from({ length: count }, (_, i) => `${i}`.padEnd(999, "x")),
      context: { prompt: "Greet me.", vars: { checklist: ["Is it a greeting?"] } },
    });
    const limited = await t.post("/v1/integrations/promptfoo", payload(150));
    expect(limited.status).toBe(422);
    expect(limited.json.code).toBe("limit_exceeded");
    expect(limited.json.errors).toEqual([{ path: "/output", message: expect.stringContaining("TICKBOX_MAX_TEXT_CHARS") }]);
    // Past the contract's own ceiling (200,000 characters) it is refused all the same.
    const ceiling = await t.post("/v1/integrations/promptfoo", payload(200));
    expect(ceiling.status).toBe(422);
    expect(ceiling.json.errors[0].path).toBe("/output");
    expect(fake.calls).toHaveLength(0);
  });
});
