// `GET /v1/batches/{id}/items?q=` finds text as it is: NUL, `%`, `_` and `\` are characters like any
// other, ASCII letters match in either case and nothing else is folded. Checked against a filter
// written here over the items as they were sent.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { settled } from "../support/batches";
import { useFakeUpstream } from "../support/file-fake";
import { makeApp, upstreamEnv } from "../support/harness";

const fake = useFakeUpstream();

/** Characters that a pattern language or a C string would read as something else, and a few that fold. */
const piece = fc.oneof(
  fc.constantFrom("\u0000", "%", "_", "\\", "%%", "\\%", "'", '"', "*", "?", "[", "]", "^", "$", "."),
  fc.constantFrom("a", "A", "k", "K", "1", "é", "É", "ß", "😀", " "),
  fc.string({ maxLength: 3 }),
);
const text = fc.array(piece, { maxLength: 6 }).map((parts) => parts.join(""));

interface Sent {
  custom_id: string;
  instruction: string;
  response: string;
}

/** The reference: a literal substring test, ASCII letters lowered on both sides. */
const lowerAscii = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
const matches = (item: Sent, q: string) => [item.custom_id, item.instruction, item.response].some((field) => lowerAscii(field).includes(lowerAscii(q)));

/** A query: made up, or a piece of one of the items (in another case), so that hits are common. */
const queryFor = (items: Sent[]) =>
  fc
    .oneof(
      text,
      fc
        .tuple(fc.nat(items.length - 1), fc.constantFrom("custom_id", "instruction", "response"), fc.nat(), fc.nat(), fc.boolean())
        .map(([i, field, a, b, upper]) => {
          const value = items[i]![field as keyof Sent];
          const start = a % (value.length + 1);
          const part = value.slice(start, start + 1 + (b % 6));
          return upper ? part.toUpperCase() : part;
        }),
    )
    .filter((q) => q.length > 0 && q.length <= 200 && !/\p{Cs}/u.test(q));

describe("GET /v1/batches/{id}/items?q=", () => {
  it("matches exactly the items whose custom id, instruction or response contains the query", async () => {
    const t = makeApp(upstreamEnv(fake), { background: true });
    const batch = fc
      .array(fc.tuple(text, text, text), { minLength: 1, maxLength: 8 })
      .map((rows) =>
        rows.map(([id, instruction, response], i): Sent => ({ custom_id: `${i}${id}`, instruction: `I${instruction}.`, response: `R${response}` })),
      );
    await fc.assert(
      fc.asyncProperty(
        batch.chain((items) => fc.tuple(fc.constant(items), fc.array(queryFor(items), { minLength: 1, maxLength: 6 }))),
        async ([items, queries]) => {
          const created = await t.post(
            "/v1/batches",
            items.map((item) => ({ ...item, checklist: { items: [{ question: "Is it good?" }] } })),
          );
          expect(created.status, created.text).toBe(202);
          for (const q of queries) {
            const res = await t.get(`/v1/batches/${created.json.id}/items?q=${encodeURIComponent(q)}&limit=500`);
            expect(res.status, res.text).toBe(200);
            const expected = items.flatMap((item, index) => (matches(item, q) ? [index] : []));
            expect(
              res.json.items.map((row: { index: number }) => row.index),
              JSON.stringify(q),
            ).toEqual(expected);
            expect(res.json.matching).toBe(expected.length);
          }
          await settled(t.get, created.json.id);
        },
      ),
      { numRuns: 150 },
    );
    t.close();
  }, 120_000);

  it("finds a NUL as a character, not as the end of the query", async () => {
    const t = makeApp(upstreamEnv(fake), { background: true });
    const items = ["k1", "k1\u0000zzz", "k2"].map((custom_id) => ({
      custom_id,
      instruction: "Greet.",
      response: "Hi",
      checklist: { items: [{ question: "Q?" }] },
    }));
    const { json } = await t.post("/v1/batches", items);
    const indices = async (q: string) => (await t.get(`/v1/batches/${json.id}/items?q=${q}`)).json.items.map((r: { index: number }) => r.index);
    expect(await indices("%00")).toEqual([1]);
    expect(await indices("k1%00zzz")).toEqual([1]);
    expect(await indices("k1%00y")).toEqual([]);
    expect(await indices("%25")).toEqual([]);
    expect(await indices("_")).toEqual([]);
    await settled(t.get, json.id);
    t.close();
  });
});
