// Text a tenant chooses cannot multiply its budget. The upstream here bills prompts as a byte-level
// BPE tokenizer at its worst (a token for every byte, plus chat framing: byteLevelWorstCase), and
// the tenant sends what tokenizes worst (random base64, emoji, digits, "a a a"). The truth is the
// fake's own bill: with answers within their allowance, what a key spends never passes its budget,
// however many requests race for it.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { FakeCall } from "../support/fake-upstream";
import { byteLevelWorstCase } from "../support/fake-upstream";
import { ADMIN_KEY, bearer, useFakeUpstream } from "../support/file-fake";
import { makeApp, upstreamEnv } from "../support/harness";
import { makeKey, usageOf } from "../support/tenants";

const fake = useFakeUpstream();

const billed = (calls: FakeCall[]) => calls.reduce((n, c) => n + (c.usage ? c.usage.prompt_tokens + c.usage.completion_tokens : 0), 0);

/** Texts that cost many tokens a byte: random base64, emoji and other graphemes, digits, one letter and a space. */
const hostileText = (maxBytes: number) =>
  fc.oneof(
    fc.uint8Array({ minLength: 1, maxLength: Math.floor((maxBytes * 3) / 4) }).map((b) => Buffer.from(b).toString("base64")),
    fc.string({ unit: "grapheme", minLength: 1, maxLength: Math.floor(maxBytes / 8) }).filter((s) => s.trim().length > 0),
    fc.array(fc.integer({ min: 0, max: 999 }), { minLength: 1, maxLength: Math.floor(maxBytes / 4) }).map((n) => n.join(" ")),
    fc.integer({ min: 1, max: Math.floor(maxBytes / 2) }).map((n) => "a ".repeat(n).trim()),
  );

describe("a budget against text chosen to tokenize badly", () => {
  it("is never overrun, by concurrent requests or one at a time, whatever the text", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 15_000, max: 80_000 }),
        fc.integer({ min: 1, max: 16 }),
        fc.array(fc.record({ instruction: hostileText(2_000), response: hostileText(6_000), question: hostileText(400) }), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        async (budget, n, texts, generated) => {
          fake.reset();
          fake.latencyMs = 20;
          fake.promptTokensOf = byteLevelWorstCase;
          const t = makeApp({ ...upstreamEnv(fake), TICKBOX_ADMIN_KEY: ADMIN_KEY, TICKBOX_UPSTREAM_CONCURRENCY: "64" });
          const key = await makeKey(t, { name: "hostile", scopes: ["evaluate"], daily_token_budget: budget });
          let i = 0;
          const evaluation = () => {
            const text = texts[i % texts.length]!;
            const nth = ++i;
            return {
              instruction: `${text.instruction} ${nth}`,
              response: `${text.response} ${nth}`,
              ...(generated ? {} : { checklist: { items: [{ question: `${text.question} ${nth}?` }, { question: "Is it short?" }] } }),
            };
          };
          const raced = await Promise.all(Array.from({ length: n }, () => t.post("/v1/evaluations", evaluation(), bearer(key.key))));
          // Then one at a time until refused, so the budget is used up rather than merely raced.
          for (let k = 0; k < 20; k++) if ((await t.post("/v1/evaluations", evaluation(), bearer(key.key))).status === 429) break;
          for (const a of raced) expect(a.status === 200 || a.json.code === "budget_exceeded", JSON.stringify(a.json)).toBe(true);
          const spent = billed(fake.calls);
          // Some of it was spent (a budget of 15,000 fits any one of these calls): the bound is not held by refusing every call.
          expect(spent).toBeGreaterThan(0);
          expect(spent).toBeLessThanOrEqual(budget);
          expect((await usageOf(t, key)).tokens).toBe(spent);
          t.close();
        },
      ),
      { numRuns: 20 },
    );
  });
});
