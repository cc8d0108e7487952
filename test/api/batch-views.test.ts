import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { csvField } from "../../src/batches/csv";
import { infobenchItems, parseLines, settled } from "../support/batches";
import { ADMIN_KEY, bearer, useFakeUpstream } from "../support/file-fake";
import { infobench, makeApp, payloadOf, upstreamEnv } from "../support/harness";
import { expectProblem } from "../support/problems";

const fake = useFakeUpstream();

/** RFC 4180, read independently of the writer: quoted fields, doubled quotes, CRLF rows. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(field);
      field = "";
    } else if (ch === "\r" && text[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i++;
    } else field += ch;
  }
  if (field !== "" || row.length > 0) throw new Error("the last row does not end with CRLF");
  return rows;
}

const RUBRIC = [
  { question: "Does it answer the request?", weight: 100, must_pass: true },
  { question: 'Does it keep every constraint, including "quoted" ones, commas, and lines?', weight: 60 },
  { question: "=Is it concise?", weight: 20 },
];

/** Verdicts that depend on the response and the question, known here to check the outputs against. */
const verdictOf = (response: string, k: number) => (response.length + 3 * k) % 4 !== 0;

async function sharedBatch(t: ReturnType<typeof makeApp>, headers: Record<string, string> = {}) {
  // The upstream fails on one item's every attempt (a 500 each time): that item errors (502).
  const erring = infobench[5]!.output;
  fake.answer = (_id, index, call) => {
    if (payloadOf(call).response === erring) throw new Error("this item breaks the judge");
    const yes = verdictOf(payloadOf(call).response, index);
    return { verdict: yes ? "YES" : "NO", p_yes: yes ? 0.9 : 0.2 };
  };
  const checklist = (await t.post("/v1/checklists", { instruction: "Grade it.", items: RUBRIC }, headers)).json;
  const items = infobench.map((row, i) => ({
    custom_id: i === 3 ? 'item, "three"\nwith a line' : i === 4 ? '=HYPERLINK("x")' : `item-${i}`,
    instruction: row.instruction,
    response: row.output,
    checklist_id: checklist.id,
  }));
  const res = await t.post("/v1/batches?concurrency=1", items, headers);
  expect(res.status).toBe(202);
  const get = (path: string) => t.send("GET", path, undefined, headers);
  await settled(get, res.json.id);
  return { id: res.json.id as string, items, checklist, get };
}

describe("GET /v1/batches/{id}/results as CSV", () => {
  it("has one row per item, its scores as the JSON Lines give them, and one verdict column per shared question", async () => {
    const t = makeApp({ ...upstreamEnv(fake), TICKBOX_PASS_THRESHOLD: "0.7" }, { background: true });
    const { id, items, get } = await sharedBatch(t);
    const csv = await get(`/v1/batches/${id}/results?format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toContain("text/csv");
    expect(csv.headers.get("content-disposition")).toContain(`${id}.csv`);
    const [header, ...rows] = parseCsv(csv.text);
    expect(header).toEqual([
      "index",
      "custom_id",
      "passed",
      "pass_rate",
      "weighted",
      "soft",
      "evaluation_id",
      "error",
      ...RUBRIC.map((q, k) => `q${k + 1}: ${q.question}`),
    ]);
    const lines = parseLines((await get(`/v1/batches/${id}/results`)).text);
    expect(rows).toHaveLength(items.length);
    rows.forEach((row, i) => {
      const line = lines[i]!;
      expect(row[0]).toBe(String(i));
      expect(row[1]).toBe(line.custom_id.startsWith("=") ? `'${line.custom_id}` : line.custom_id);
      if (line.problem) {
        expect(row.slice(2, 7)).toEqual(["", "", "", "", ""]);
        expect(row[7]).toBe(line.problem.code);
        expect(row.slice(8)).toEqual(["", "", ""]);
        return;
      }
      const e = line.evaluation;
      expect(row.slice(2, 8)).toEqual([
        String(e.passed),
        String(e.scores.pass_rate),
        String(e.scores.weighted),
        e.scores.soft === null ? "" : String(e.scores.soft),
        e.id,
        "",
      ]);
      // The verdicts are the ones the upstream was scripted to give for this response.
      expect(row.slice(8)).toEqual(RUBRIC.map((_, k) => (verdictOf(items[i]!.response, k) ? "YES" : "NO")));
    });
    expect(rows.filter((r) => r[7] !== "")).toHaveLength(1);
    // Accept: text/csv asks for the same.
    const byAccept = await t.send("GET", `/v1/batches/${id}/results`, undefined, { accept: "text/csv" });
    expect(byAccept.text).toBe(csv.text);
  });

  it("has no verdict columns when the items use different checklists", async () => {
    const t = makeApp(upstreamEnv(fake), { background: true });
    const res = await t.post("/v1/batches", infobenchItems(6));
    await settled(t.get, res.json.id);
    const [header, ...rows] = parseCsv((await t.get(`/v1/batches/${res.json.id}/results?format=csv`)).text);
    expect(header).toEqual(["index", "custom_id", "passed", "pass_rate", "weighted", "soft", "evaluation_id", "error"]);
    expect(rows).toHaveLength(6);
  });

  it("writes any text so that a CSV reader gets it back, formulas made inert", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string(), fc.string({ unit: "grapheme" }), fc.constantFrom("=1+1", "-2", "@x", "a,b", '"q"', "l1\r\nl2", "")), {
          minLength: 1,
          maxLength: 6,
        }),
        (fields) => {
          const line = `${fields.map(csvField).join(",")}\r\n`;
          const [parsed] = parseCsv(line);
          expect(parsed).toEqual(fields.map((f) => (/^[=+\-@\t\r]/.test(f) ? `'${f}` : f)));
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("GET /v1/batches/{id}/items and /report", () => {
  it("filters by outcome, searches text, sorts and pages as a reference over the JSON Lines does", async () => {
    const t = makeApp(upstreamEnv(fake), { background: true });
    const { id, items, get } = await sharedBatch(t);
    const lines = parseLines((await get(`/v1/batches/${id}/results`)).text);
    const outcome = (l: any) => (l.problem ? "errored" : l.evaluation.passed ? "passed" : "failed");
    for (const o of ["passed", "failed", "errored"]) {
      const res = await get(`/v1/batches/${id}/items?outcome=${o}&limit=500`);
      expect(res.json.items.map((i: any) => i.index)).toEqual(lines.filter((l) => outcome(l) === o).map((l) => l.index));
      expect(res.json.matching).toBe(res.json.items.length);
    }
    // Search: any case, in the custom id, the instruction or the response.
    for (const q of ["ITEM-1", "haiku", "Snarky", 'three"', "%", "_"]) {
      const res = await get(`/v1/batches/${id}/items?q=${encodeURIComponent(q)}&limit=500`);
      const hit = (s: string | null) => (s ?? "").toLowerCase().includes(q.toLowerCase());
      const expected = items.map((it, i) => ({ it, i })).filter(({ it }) => hit(it.custom_id) || hit(it.instruction) || hit(it.response));
      expect(
        res.json.items.map((i: any) => i.index),
        q,
      ).toEqual(expected.map((e) => e.i));
    }
    // Sorted by weighted, highest first; ungraded items last; ties in input order.
    const sorted = (await get(`/v1/batches/${id}/items?sort=-weighted&limit=500`)).json.items;
    const reference = [...lines].sort((a, b) => (b.evaluation?.scores.weighted ?? -1) - (a.evaluation?.scores.weighted ?? -1) || a.index - b.index);
    expect(sorted.map((i: any) => i.index)).toEqual(reference.map((l) => l.index));
    // Pages of 5 cover every item once.
    const paged = [];
    for (let offset = 0; offset < items.length; offset += 5)
      paged.push(...(await get(`/v1/batches/${id}/items?limit=5&offset=${offset}&sort=soft`)).json.items);
    expect(paged.map((i: any) => i.index).sort((a: number, b: number) => a - b)).toEqual(items.map((_, i) => i));
    // Each graded row carries its verdicts and evaluation.
    const row = sorted.find((i: any) => i.outcome === "passed");
    const line = lines[row.index];
    expect(row.verdicts).toEqual(line.evaluation.results.map((r: any) => r.verdict));
    expect(row.evaluation_id).toBe(line.evaluation.id);
    expect(row.instruction_preview).toBe(items[row.index]!.instruction.slice(0, 200) + (items[row.index]!.instruction.length > 200 ? "…" : ""));
  });

  it("reports outcomes, mean scores, cost and per-question NO counts that the results reproduce", async () => {
    const t = makeApp({ ...upstreamEnv(fake), TICKBOX_PRICES: JSON.stringify({ "judge-test": { prompt: 2, completion: 8 } }) }, { background: true });
    const { id, checklist, get } = await sharedBatch(t);
    const report = (await get(`/v1/batches/${id}/report`)).json;
    const lines = parseLines((await get(`/v1/batches/${id}/results`)).text);
    const graded = lines.filter((l) => l.evaluation).map((l) => l.evaluation);
    expect(report.outcomes).toEqual({
      passed: graded.filter((e) => e.passed).length,
      failed: graded.filter((e) => !e.passed).length,
      errored: lines.length - graded.length,
      pending: 0,
    });
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(report.mean_scores.pass_rate).toBeCloseTo(mean(graded.map((e) => e.scores.pass_rate)), 12);
    expect(report.mean_scores.weighted).toBeCloseTo(mean(graded.map((e) => e.scores.weighted)), 12);
    expect(report.mean_scores.soft).toBeCloseTo(mean(graded.map((e) => e.scores.soft)), 12);
    expect(report.checklist.id).toBe(checklist.id);
    expect(report.checklist.graded).toBe(graded.length);
    report.checklist.items.forEach((item: any, k: number) => {
      expect(item.no).toBe(graded.filter((e) => e.results[k].verdict === "NO").length);
      expect(item.yes + item.no).toBe(graded.length);
    });
    // Cost: the tokens the upstream was paid for, at the configured price.
    const batch = (await get(`/v1/batches/${id}`)).json;
    const { prompt_tokens, completion_tokens } = batch.summary.usage;
    expect(report.cost_usd).toBeCloseTo((prompt_tokens * 2 + completion_tokens * 8) / 1e6, 12);
  });

  it("keeps another tenant's batch out of reach in every view", async () => {
    const t = makeApp({ ...upstreamEnv(fake), TICKBOX_ADMIN_KEY: ADMIN_KEY }, { background: true });
    const key = async (tenant: string) => (await t.post("/v1/keys", { name: tenant, tenant, scopes: ["evaluate"] }, bearer(ADMIN_KEY))).json.key as string;
    const [acme, globex] = [await key("acme"), await key("globex")];
    const { id } = await sharedBatch(t, bearer(acme));
    for (const path of [`/v1/batches/${id}/items`, `/v1/batches/${id}/report`, `/v1/batches/${id}/results?format=csv`]) {
      expectProblem(await t.send("GET", path, undefined, bearer(globex)), 404, "not_found");
      expect((await t.send("GET", path, undefined, bearer(acme))).status).toBe(200);
    }
    expect((await t.send("GET", "/v1/batches", undefined, bearer(globex))).json.batches).toEqual([]);
    expect((await t.send("GET", "/v1/batches", undefined, bearer(acme))).json.batches.map((b: any) => b.id)).toEqual([id]);
  });
});
