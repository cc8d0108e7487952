// The viewer as a person uses it: real Chromium against a real server holding finished and
// running batches of InFoBench items, calibration profiles and usage, for two tenants. Every
// test also checks that nothing failed in the page: no console error, no uncaught exception, no
// failed request and no request beyond 127.0.0.1.
import { existsSync, readFileSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { infobench } from "../support/harness";
import { CHROMIUM, type Watched, contentLoaded, launchChromium, openAs, openPage, screenshot, screenshotOf } from "./support/browser";
import { RUBRIC, type World, startWorld } from "./support/world";

let world: World;
let browser: Browser;

// Debian's chromium is installed by .ci/run; without it (a bare development machine) the suite
// says so and is skipped.
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`${CHROMIUM} is missing: the browser tests are skipped (apt-get install -y chromium)`);

const fresh = (): Promise<Watched> => openPage(browser);

const percent = (v: number) => `${(v * 100).toFixed(1)}%`;
const acmeApi = (path: string) => world.request("GET", path, world.keys.acme);

describe.skipIf(!haveChromium)("the viewer in Chromium", { timeout: 90_000 }, () => {
  beforeAll(async () => {
    [world, browser] = await Promise.all([startWorld(), launchChromium()]);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await world?.stop();
  });

  it("asks for a key, keeps it in the tab's session storage and sends it as the bearer token", async () => {
    const { page, problems, requests } = await fresh();
    await page.goto(`${world.base}/ui`);
    await contentLoaded(page);
    expect(await page.isVisible("#key-form")).toBe(true);
    expect(await page.locator("main table").count()).toBe(0);
    await screenshot(page, "key-prompt");

    await page.fill("#key-input", "tbx_not_a_key");
    await page.click("#key-form button[type=submit]");
    await page.waitForSelector("#key-message:has-text('not valid')");

    await page.fill("#key-input", world.keys.acme);
    await page.click("#key-form button[type=submit]");
    await page.waitForSelector("main table.batches");
    expect(await page.evaluate(() => (globalThis as any).sessionStorage.getItem("tickbox.apiKey"))).toBe(world.keys.acme);
    const partial = requests.filter((r) => r.headers["x-tickbox-partial"] === "1").at(-1)!;
    expect(partial.headers.authorization).toBe(`Bearer ${world.keys.acme}`);
    // The shell itself never carries the key: only the script's requests do.
    expect(requests.filter((r) => r.url.endsWith("/ui/batches") && !r.headers["x-tickbox-partial"]).every((r) => !r.headers.authorization)).toBe(true);

    // Forgetting the key brings the prompt back.
    await page.click("#forget-key");
    await page.waitForSelector("#key-form:not([hidden])");
    expect(await page.evaluate(() => (globalThis as any).sessionStorage.getItem("tickbox.apiKey"))).toBeNull();
    expect(problems()).toEqual([]);
  });

  it("lists the tenant's batches with their progress, and a status filter narrows them", async () => {
    const { page, problems } = await fresh();
    await openAs(page, `${world.base}/ui/batches`, world.keys.acme);
    const all = (await acmeApi("/v1/batches")).json.batches as any[];
    expect(await page.locator("table.batches tbody tr").count()).toBe(all.length);
    const text = await page.innerText("main");
    for (const b of all) expect(text).toContain(b.id);
    expect(text).not.toContain(world.batches.globex);
    const rubric = page.locator(`tr[data-batch="${world.batches.rubric}"]`);
    const rubricJson = all.find((b) => b.id === world.batches.rubric);
    expect(await rubric.locator("td").nth(4).innerText()).toBe(percent(rubricJson.summary.pass_rate));
    await screenshot(page, "batches");

    await page.selectOption("select[name=status]", "completed");
    await Promise.all([page.waitForURL(/status=completed/), page.click("form.filters button")]);
    await contentLoaded(page);
    const completed = (await acmeApi("/v1/batches?status=completed")).json.batches as any[];
    expect(completed.length).toBeLessThan(all.length);
    expect(await page.locator("table.batches tbody tr").count()).toBe(completed.length);
    expect(await page.locator("table.batches tbody .badge").allInnerTexts()).toEqual(completed.map(() => "completed"));
    expect(problems()).toEqual([]);
  });

  it("shows a finished batch: summary, a heatmap of verdicts, a table to filter, search and sort, and its CSV", async () => {
    const { page, problems } = await fresh();
    const id = world.batches.rubric;
    await openAs(page, `${world.base}/ui/batches/${id}`, world.keys.acme);
    const [batch, report, items] = await Promise.all([
      acmeApi(`/v1/batches/${id}`),
      acmeApi(`/v1/batches/${id}/report`),
      acmeApi(`/v1/batches/${id}/items?limit=50`),
    ]);
    expect(await page.innerText('[data-field="summary.pass_rate"]')).toBe(percent(batch.json.summary.pass_rate));
    expect(await page.innerText(".metric:has-text('Errored') .metric-value")).toBe(String(report.json.outcomes.errored));

    // One cell per item and question, coloured by the verdict the API gives.
    const cells = await page.locator("svg.heatmap rect.cell").evaluateAll((rects) => rects.map((r) => r.getAttribute("class")));
    const expected = (items.json.items as any[]).flatMap((item) => RUBRIC.map((_, k) => `cell cell-${item.verdicts?.[k] ?? "none"}`));
    expect(cells).toEqual(expected);
    expect(cells.filter((c) => c === "cell cell-NO").length).toBeGreaterThan(0);
    expect(cells.filter((c) => c === "cell cell-none").length).toBe(report.json.outcomes.errored * RUBRIC.length);
    // The bar above each question counts NO over every graded item.
    const bars = await page.locator("svg.heatmap rect.fail-bar title").allTextContents();
    report.json.checklist.items.forEach((q: any, k: number) => {
      expect(bars[k]).toContain(`NO for ${q.no} of ${q.yes + q.no} graded items`);
    });
    await screenshot(page, "batch-finished");
    await screenshotOf(page.locator("svg.heatmap"), "heatmap");

    // Filter: only the failed items.
    await page.selectOption("select[name=outcome]", "failed");
    await Promise.all([page.waitForURL(/outcome=failed/), page.click("form.filters button")]);
    await contentLoaded(page);
    expect(await page.locator("table.results tbody tr").count()).toBe(report.json.outcomes.failed);
    expect(new Set(await page.locator("table.results tbody .badge").allInnerTexts())).toEqual(new Set(["failed"]));

    // Search the text: one instruction mentions a sudoku.
    const sudoku = infobench.filter((r) => /sudoku/i.test(r.instruction + r.output)).length;
    await page.goto(`${world.base}/ui/batches/${id}`);
    await contentLoaded(page);
    await page.fill("input[name=q]", "SUDOKU");
    await Promise.all([page.waitForURL(/q=SUDOKU/), page.click("form.filters button")]);
    await contentLoaded(page);
    expect(await page.locator("table.results tbody tr").count()).toBe(sudoku);
    expect((await page.innerText("table.results tbody")).toLowerCase()).toContain("sudoku");

    // Sort by the weighted score, by its column header: highest first.
    await page.goto(`${world.base}/ui/batches/${id}`);
    await contentLoaded(page);
    await Promise.all([page.waitForURL(/sort=-weighted/), page.click("table.results th a:text-is('Weighted')")]);
    await contentLoaded(page);
    const weighted = (await page.locator("table.results tbody tr td:nth-child(5)").allInnerTexts()).filter((v) => v !== "–").map(Number);
    expect(weighted.length).toBe(24 - report.json.outcomes.errored);
    expect(weighted).toEqual([...weighted].sort((a, b) => b - a));

    // The CSV download carries the key and holds what the API gives.
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("a:text-is('Download CSV')")]);
    expect(download.suggestedFilename()).toBe(`${id}.csv`);
    const saved = readFileSync((await download.path())!, "utf8");
    expect(saved).toBe((await acmeApi(`/v1/batches/${id}/results?format=csv`)).text);
    expect(saved.split("\r\n")[0]).toContain("q3: Is it free of factual errors?");
    expect(problems()).toEqual([]);
  });

  it("says why a batch of items with their own checklists has no heatmap", async () => {
    const { page, problems } = await fresh();
    await openAs(page, `${world.base}/ui/batches/${world.batches.infobench}`, world.keys.acme);
    expect(await page.locator("svg.heatmap").count()).toBe(0);
    expect(await page.innerText("main")).toContain("use different checklists");
    expect(await page.locator("table.results tbody tr").count()).toBe(24);
    await screenshot(page, "batch-own-checklists");
    expect(problems()).toEqual([]);
  });

  it("moves a running batch's page live: progress from its event stream, every other figure, the heatmap and the table with it; then shows it completed", async () => {
    const { page, problems, requests } = await fresh();
    world.fake.latencyMs = 250;
    const rubric = (await acmeApi(`/v1/batches/${world.batches.rubric}/report`)).json.checklist.id;
    const items = [...infobench, ...infobench]
      .slice(0, 20)
      .map((row, i) => ({ custom_id: `live-${i}`, instruction: row.instruction, response: `${row.output} (live ${i})`, checklist_id: rubric }));
    const created = await world.request("POST", "/v1/batches?concurrency=1", world.keys.acme, items);
    expect(created.status).toBe(202);
    const id = created.json.id;
    const moves = (was: number) =>
      page.waitForFunction(
        ([selector, before]) => Number((globalThis as any).document.querySelector(selector).value) > (before as number),
        [`[data-batch="${id}"] progress`, was] as const,
        { timeout: 20_000 },
      );
    // In the list, the batch's row moves.
    await openAs(page, `${world.base}/ui/batches`, world.keys.acme);
    await moves(Number(await page.locator(`tr[data-batch="${id}"] progress`).getAttribute("value")));
    await page.goto(`${world.base}/ui/batches/${id}`);
    await contentLoaded(page);
    const progress = page.locator(`[data-batch="${id}"] progress`);
    const first = Number(await progress.getAttribute("value"));
    expect(first).toBeLessThan(items.length);
    await moves(first + 1);
    expect(requests.some((r) => r.url.endsWith(`/v1/batches/${id}/events`) && r.headers.authorization === `Bearer ${world.keys.acme}`)).toBe(true);

    // What the page shows must be what it would show if it were loaded now: the same parts,
    // rendered afresh by the server for this key. Throughput and ETA change with the clock. With
    // answers 5 s apart the batch holds still long enough to compare: a fresh rendering, the
    // page, and a fresh rendering again, until the two renderings agree and the page with them.
    world.fake.latencyMs = 5000;
    const shown = (p: Page) =>
      p.evaluate(() => {
        const doc = (globalThis as any).document;
        const text = (el: any) => (el?.textContent ?? "").replace(/\s+/g, " ").trim();
        const metrics = [...doc.querySelectorAll(".metric")].map(text).filter((t: string) => !/^(Throughput|ETA)\b/.test(t));
        const cells = [...doc.querySelectorAll("svg.heatmap rect.cell")].map((c: any) => c.getAttribute("class"));
        return { metrics, cells, criteria: text(doc.querySelector("table.criteria tbody")), rows: text(doc.querySelector("table.results tbody")) };
      });
    const reference = await browser.newPage();
    const rendered = async () => {
      const partial = await fetch(`${world.base}/ui/batches/${id}`, { headers: { "x-tickbox-partial": "1", authorization: `Bearer ${world.keys.acme}` } });
      await reference.setContent(`<main>${await partial.text()}</main>`);
      return shown(reference);
    };
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    let agreed: Awaited<ReturnType<typeof shown>> | null = null;
    for (let i = 0; i < 120 && agreed === null; i++) {
      const before = await rendered();
      const live = await shown(page);
      const after = await rendered();
      const finished = (before.metrics.find((m) => m.startsWith("Progress")) ?? "").match(/(\d+) \//)?.[1];
      if (same(before, after) && same(live, before) && Number(finished) > first + 1) agreed = live;
      else await new Promise((r) => setTimeout(r, 250));
    }
    await reference.close();
    // The page caught up with the batch past the figures it was loaded with: its means, tokens,
    // cost, heatmap cells and table rows are those of a batch further along.
    expect(agreed).not.toBeNull();
    expect(agreed!.cells.filter((c) => c === "cell cell-YES" || c === "cell cell-NO").length).toBeGreaterThan((first + 1) * RUBRIC.length);
    await screenshot(page, "batch-running");

    world.fake.latencyMs = 100;
    await page.waitForSelector(`[data-batch="${id}"][data-status="completed"]`, { timeout: 40_000 });
    expect(await page.innerText(`[data-batch="${id}"] .badge`)).toBe("completed");
    expect(await page.locator("table.results tbody tr").count()).toBe(items.length);
    expect(problems()).toEqual([]);
  });

  it("shows an evaluation: what was graded, each question's verdict, weight, must-pass and p(YES), the scores and the confidence", async () => {
    const { page, problems } = await fresh();
    const item = ((await acmeApi(`/v1/batches/${world.batches.rubric}/items?outcome=failed&limit=1`)).json.items as any[])[0];
    const evaluation = (await acmeApi(`/v1/evaluations/${item.evaluation_id}`)).json;
    await openAs(page, `${world.base}/ui/evaluations/${item.evaluation_id}`, world.keys.acme);
    expect(await page.innerText("pre.instruction")).toBe(evaluation.instruction);
    expect(await page.innerText("pre.response")).toBe(evaluation.response.trim());
    const rows = page.locator("table.verdicts tbody tr");
    expect(await rows.count()).toBe(RUBRIC.length);
    for (const [k, result] of (evaluation.results as any[]).entries()) {
      const row = rows.nth(k);
      expect(await row.locator(".badge").innerText()).toBe(result.verdict);
      expect(await row.locator("td").nth(1).innerText()).toBe(RUBRIC[k]!.question);
      expect(await row.locator("td").nth(2).innerText()).toBe(String(RUBRIC[k]!.weight));
      expect(await row.locator("td").nth(3).innerText()).toBe(RUBRIC[k]!.must_pass ? "must pass" : "");
      if (result.p_yes !== null) {
        expect(await row.locator(".pyes").innerText()).toContain(result.p_yes.toFixed(3));
        const width = Number(await row.locator("svg.pbar rect").nth(1).getAttribute("width"));
        expect(width / 80).toBeCloseTo(result.p_yes, 5);
      }
    }
    expect(await page.innerText(".metric:has-text('Weighted') .metric-value")).toBe(evaluation.scores.weighted.toFixed(3));
    // The judge's own profile is picked; its decision is what POST /v1/confidence answers.
    const confidence = (
      await world.request("POST", "/v1/confidence", world.keys.acme, { calibration_id: world.calibrations.pointwise, evaluation_id: evaluation.id })
    ).json;
    const block = await page.innerText("section.confidence");
    expect(block).toContain(confidence.abstain ? "abstains" : `Calibrated verdict: ${confidence.verdict}`);
    expect(block).toContain(confidence.p_calibrated.toFixed(3));
    await screenshot(page, "evaluation");
    expect(problems()).toEqual([]);
  });

  it("draws each judge's reliability raw beside calibrated with a legend and ECE, the certified threshold and the coverage curve", async () => {
    const { page, problems } = await fresh();
    const id = world.calibrations.cascade;
    const profile = (await acmeApi(`/v1/calibrations/${id}`)).json;
    await openAs(page, `${world.base}/ui/calibrations/${id}`, world.keys.acme);
    const stages = page.locator("section.stage");
    expect(await stages.count()).toBe(profile.judges.length);
    const mainWidth = (await page.locator("main").boundingBox())!.width;
    for (const [k, judge] of (profile.judges as any[]).entries()) {
      const stage = stages.nth(k);
      const diagram = stage.locator("svg.reliability");
      const text = await diagram.textContent();
      expect(text).toContain("Raw signal");
      expect(text).toContain(`Calibrated (${judge.method}, held-out)`);
      expect(text).toContain(`ECE ${judge.raw_metrics.ece.estimate.toFixed(3)}`);
      expect(text).toContain(`ECE ${judge.metrics.ece.estimate.toFixed(3)}`);
      const legend = await diagram.locator("g.legend").textContent();
      expect(legend).toContain("observed frequency");
      expect(legend).toContain("mean predicted probability");
      expect(legend).toContain("perfect calibration");
      expect(await diagram.locator("rect.bar").count()).toBe(20);
      // It fits the page.
      expect((await diagram.boundingBox())!.width).toBeLessThanOrEqual(mainWidth);
      const curve = stage.locator("svg.coverage-curve");
      expect(await curve.count()).toBe(1);
      if (judge.threshold) expect(await curve.textContent()).toContain(`certified λ = ${judge.threshold.lambda.toFixed(3)}`);
      // Each judge with its own share of the cascade's decisions (the API's figures are checked
      // against an independent routing in test/api/calibrations.test.ts), never the cascade's totals.
      const share = await stage.locator(".judge-share").innerText();
      expect(share).toContain(`${judge.n_reaching} certification items reach this judge; it decides ${judge.n_decided} (`);
      expect(share).toContain(`, ${judge.n_errors} of them against people.`);
      expect(await stage.innerText()).not.toContain(`${profile.threshold.n_accepted} answered`);
    }
    // The threshold applies to the raw confidence of a pairwise profile, and is said so.
    const certificate = await page.innerText("dl.threshold");
    expect(profile.scale).toBe("raw");
    expect(certificate).toContain(`${profile.threshold.lambda.toFixed(3)}: each judge in turn answers when the raw confidence max(p, 1 − p) of p(a better)`);
    expect(certificate).toContain(`(${profile.threshold.n_accepted} answered by all its judges together, ${profile.threshold.errors} against people;`);
    expect(await page.innerText("main")).not.toContain("calibrated confidence");
    await screenshot(page, "calibration-cascade");
    await screenshotOf(stages.nth(1).locator("svg.reliability"), "reliability-diagram");
    await screenshotOf(stages.nth(1).locator("svg.coverage-curve"), "coverage-curve");

    await page.goto(`${world.base}/ui/calibrations`);
    await contentLoaded(page);
    expect(await page.locator("table.calibrations tbody tr").count()).toBe(2);
    await page.click(`a[href="/ui/calibrations/${world.calibrations.pointwise}"]`);
    await page.waitForSelector("svg.coverage-curve");
    expect(await page.innerText("dl.threshold")).toContain("the judge answers when the calibrated confidence max(q, 1 − q) of the map's probability q");
    await screenshot(page, "calibration-pointwise");
    expect(problems()).toEqual([]);
  });

  it("charts usage per day as it was booked", async () => {
    const { page, problems } = await fresh();
    const days = world.pastUsage.map((u) => u.day).sort();
    const from = days[0]!;
    const to = new Date().toISOString().slice(0, 10);
    await openAs(page, `${world.base}/ui/usage?from=${from}&to=${to}`, world.keys.acme);
    const charts = page.locator("figure.usage-chart");
    expect(await charts.count()).toBe(5);
    const requests = charts.filter({ hasText: "Requests per day" });
    const titles = await requests.locator("rect.bar title").allTextContents();
    const span = (Date.parse(to) - Date.parse(from)) / 86_400_000 + 1;
    expect(titles).toHaveLength(span);
    for (const u of world.pastUsage) expect(titles).toContain(`${u.day} · requests: ${u.requests.toLocaleString("en-US")}`);
    const tokens = await charts.filter({ hasText: "Upstream tokens per day" }).locator("rect.bar title").allTextContents();
    for (const u of world.pastUsage) expect(tokens).toContain(`${u.day} · prompt: ${u.promptTokens.toLocaleString("en-US")}`);
    await screenshot(page, "usage");
    expect(problems()).toEqual([]);
  });

  it("lists checklists and opens one with its questions", async () => {
    const { page, problems } = await fresh();
    await openAs(page, `${world.base}/ui/checklists`, world.keys.acme);
    const total = (await acmeApi("/v1/checklists?limit=100")).json.checklists.length;
    // Newest first, twenty a page: the rubric, made early, is on a later page.
    const rubricRow = page.locator("table.checklists tbody tr", { hasText: "Grade a response to an everyday writing request." });
    let rows = await page.locator("table.checklists tbody tr").count();
    while ((await rubricRow.count()) === 0) {
      await Promise.all([page.waitForURL(/cursor=/), page.click("a[rel=next]")]);
      await contentLoaded(page);
      rows += await page.locator("table.checklists tbody tr").count();
    }
    await screenshot(page, "checklists");
    while (await page.locator("a[rel=next]").count()) {
      await Promise.all([page.waitForURL(/cursor=/), page.click("a[rel=next]")]);
      await contentLoaded(page);
      rows += await page.locator("table.checklists tbody tr").count();
    }
    expect(rows).toBe(total);
    await page.goto(`${world.base}/ui/checklists/${(await acmeApi(`/v1/batches/${world.batches.rubric}/report`)).json.checklist.id}`);
    await page.waitForSelector("table.questions");
    expect(await page.locator("table.questions tbody tr td:nth-child(2)").allInnerTexts()).toEqual(RUBRIC.map((q) => q.question));
    await screenshot(page, "checklist");
    expect(problems()).toEqual([]);
  });

  it("shows another tenant nothing of acme's: not in the lists, and not found by link", async () => {
    const { page, problems } = await fresh();
    await openAs(page, `${world.base}/ui/batches`, world.keys.globex);
    const text = await page.innerText("main");
    expect(text).toContain(world.batches.globex);
    for (const id of [world.batches.rubric, world.batches.infobench, world.batches.running]) expect(text).not.toContain(id);
    await page.goto(`${world.base}/ui/batches/${world.batches.rubric}`);
    await contentLoaded(page);
    expect(await page.innerText("main .problem")).toContain(`no batch with id ${world.batches.rubric}`);
    await screenshot(page, "other-tenant");
    await page.goto(`${world.base}/ui/evaluations`);
    await contentLoaded(page);
    const acmeEvaluations = ((await acmeApi("/v1/evaluations?limit=100")).json.evaluations as any[]).map((e) => e.id);
    const shown = await page.locator("table.evaluations tbody a").evaluateAll((links) => links.map((a) => a.getAttribute("href")));
    expect(shown).toHaveLength(3);
    for (const href of shown) expect(acmeEvaluations).not.toContain(href!.split("/").at(-1));
    // This key may not read calibrations: the page says so, as the API does.
    await page.goto(`${world.base}/ui/calibrations`);
    await contentLoaded(page);
    expect(await page.innerText("main .problem")).toContain('lacks the "calibrate" scope');
    expect(problems()).toEqual([]);
  });

  it("renders /docs with its operations, loading nothing from beyond this machine", async () => {
    const { page, problems } = await fresh();
    await page.goto(`${world.base}/docs`);
    // The reference lists the operations by group; opening one shows its operations.
    await page.getByRole("button", { name: "batches", exact: false }).first().click();
    for (const summary of ["List batches, newest first", "A batch's items as a table: filtered, searched, sorted, a page at a time"]) {
      await page.getByText(summary).first().waitFor({ state: "visible", timeout: 30_000 });
    }
    await screenshot(page, "docs", false);
    expect(problems()).toEqual([]);
  });
});
