// Text lengths are counted in characters (Unicode code points, as JSON Schema's maxLength counts
// them: an emoji is one), by every limit; and any text past TICKBOX_MAX_TEXT_CHARS, however far
// past, is a `limit_exceeded` naming the variable, not a schema error about the contract's ceiling.
// Lengths are counted here with the string iterator, which yields an emoji as one element.
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { makeApp } from "../support/harness";

const CEILING = 200_000;

/** Non-blank characters of one, two and three UTF-16 units' worth of UTF-8, astral ones included. */
const char = fc.constantFrom("a", "Z", "é", "語", "😀", "𝒳", "🇫", "\u{10FFFD}");
const textOf = (count: number, seed: number) => {
  const chars = ["a", "é", "語", "😀", "𝒳", "\u{10FFFD}"];
  let text = "";
  for (let i = 0; i < count; i++) text += chars[(seed + i * 7) % chars.length];
  return text;
};
const charCount = (text: string) => [...text].length;

const apps = new Map<number, ReturnType<typeof makeApp>>();
/** One app per configured limit, made on first use. */
const appWith = (limit: number) => {
  let app = apps.get(limit);
  if (!app) {
    app = makeApp({ TICKBOX_MAX_TEXT_CHARS: String(limit), TICKBOX_MAX_BODY_BYTES: String(8 * 1024 * 1024) });
    apps.set(limit, app);
  }
  return app;
};
afterAll(() => {
  for (const app of apps.values()) app.close();
});

const limitMessage = (limit: number) => `longer than the limit of ${limit} characters (TICKBOX_MAX_TEXT_CHARS)`;

/**
 * Where a text goes in a stored checklist (no upstream call); the question has its own 2,000. The
 * other texts are at most 2 characters, within every limit tried.
 */
const fields = {
  instruction: (text: string) => ({ instruction: text, items: [{ question: "Q?" }] }),
  context: (text: string) => ({ instruction: "I", context: text, items: [{ question: "Q?" }] }),
  question: (text: string) => ({ instruction: "I", items: [{ question: text }] }),
} as const;
const pointers = { instruction: "/instruction", context: "/context", question: "/items/0/question" } as const;

describe("text limits, in characters", () => {
  it("accept a text of up to the limit's characters and refuse one past it, as limit_exceeded", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 40 }),
        fc.array(char, { minLength: 1, maxLength: 60 }).map((chars) => chars.join("")),
        fc.constantFrom(...(Object.keys(fields) as (keyof typeof fields)[])),
        async (limit, text, field) => {
          const res = await appWith(limit).post("/v1/checklists", fields[field](text));
          if (charCount(text) <= limit) {
            expect(res.status, res.text).toBe(200);
          } else {
            expect(res.status).toBe(422);
            expect(res.json.code).toBe("limit_exceeded");
            expect(res.json.errors).toEqual([{ path: pointers[field], message: limitMessage(limit) }]);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("refuse text past the limit as limit_exceeded however long, the contract's ceiling included", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(2, 100, 5_000, CEILING),
        fc.integer({ min: 1, max: 150_000 }),
        fc.nat(),
        fc.constantFrom("instruction", "context"),
        async (limit, over, seed, field: "instruction" | "context") => {
          const res = await appWith(limit).post("/v1/checklists", fields[field](textOf(limit + over, seed)));
          expect(res.status).toBe(422);
          expect(res.json.code).toBe("limit_exceeded");
          expect(res.json.errors).toEqual([{ path: pointers[field], message: limitMessage(limit) }]);
        },
      ),
      { numRuns: 40 },
    );
  }, 60_000);

  it("count the finding's own case: 51 emoji fit a limit of 100, 300,000 characters exceed it", async () => {
    const t = appWith(100);
    expect((await t.post("/v1/checklists", fields.instruction("😀".repeat(51)))).status).toBe(200);
    expect((await t.post("/v1/checklists", fields.instruction("😀".repeat(100)))).status).toBe(200);
    const long = await t.post("/v1/checklists", fields.instruction("x".repeat(300_000)));
    expect(long.json.code).toBe("limit_exceeded");
    expect(long.json.errors).toEqual([{ path: "/instruction", message: limitMessage(100) }]);
  });

  it("count a field's own maximum in characters too: 2,000 emoji make a question, 2,001 do not", async () => {
    const t = appWith(CEILING);
    expect((await t.post("/v1/checklists", fields.question("😀".repeat(2_000)))).status).toBe(200);
    const res = await t.post("/v1/checklists", fields.question("😀".repeat(2_001)));
    expect(res.json.code).toBe("validation_failed");
    expect(res.json.errors).toEqual([{ path: "/items/0/question", message: "must be at most 2000 characters" }]);
    const name = await t.post("/v1/calibrations", { name: "😀".repeat(200), kind: "pointwise", examples: [] });
    expect(name.json.errors.map((e: { path: string }) => e.path)).not.toContain("/name");
  });

  it("cut previews at 200 characters, never inside an emoji", async () => {
    const t = makeApp();
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(char, { minLength: 150, maxLength: 260 }).map((chars) => chars.join("")),
        async (text) => {
          const instruction = `${text}${n++}`;
          const created = await t.post("/v1/checklists", fields.instruction(instruction));
          expect(created.status).toBe(200);
          const list = await t.get("/v1/checklists?limit=100");
          const preview = list.json.checklists.find((c: { id: string }) => c.id === created.json.id)?.instruction_preview;
          const chars = [...instruction];
          expect(preview).toBe(chars.length > 200 ? `${chars.slice(0, 200).join("")}…` : instruction);
        },
      ),
      { numRuns: 60 },
    );
    t.close();
  });
});
