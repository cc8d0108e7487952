// The charts are drawn on the server, where no font can be measured. Here Chromium measures every
// text of every chart, fed long and wide text, and none may leave its chart's box.
import { existsSync } from "node:fs";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reliabilityBins, reliabilitySvg } from "../../src/calibration/index";
import { CoverageCurve } from "../../src/ui/charts/coverage-curve";
import { Heatmap } from "../../src/ui/charts/heatmap";
import { seeded } from "../support/calibration-data";
import { CHROMIUM, launchChromium } from "./support/browser";

let browser: Browser;

/** Every text element whose box leaves the SVG's, with by how much. */
async function overflowing(svg: string): Promise<string[]> {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1200 } });
  try {
    await page.setContent(`<!doctype html><html><body style="margin:0">${svg}</body></html>`);
    return await page.evaluate(() => {
      const doc = (globalThis as any).document;
      const root = doc.querySelector("svg");
      const box = root.getBoundingClientRect();
      const out: string[] = [];
      for (const text of root.querySelectorAll("text")) {
        const r = text.getBoundingClientRect();
        if (r.width === 0) continue;
        const over = Math.max(box.left - r.left, r.right - box.right, box.top - r.top, r.bottom - box.bottom);
        if (over > 0.5) out.push(`"${text.textContent.slice(0, 60)}" by ${over.toFixed(1)}px`);
      }
      return out;
    });
  } finally {
    await page.close();
  }
}

const rng = seeded(3);
const p = Array.from({ length: 300 }, () => rng());
const bins = reliabilityBins(
  p,
  p.map((v) => (rng() < v ? 1 : 0)),
);
const panel = (label: string) => ({ label, bins, ece: { estimate: 0.0412, lo: 0.0231, hi: 0.0675 }, level: 0.95 });
const LONG_TITLE = "WMW Trust-Or-Escalate CASCADE On Every Support Reply (MISTRAL-7B-INSTRUCT-V0.2 → GPT-4-TURBO): ISOTONIC, n = 10000";

describe.skipIf(!existsSync(CHROMIUM))("chart text in Chromium", { timeout: 60_000 }, () => {
  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it("keeps every text of a reliability diagram inside it, one panel or two, with a long title", async () => {
    for (const panels of [[panel("Raw signal (not calibrated)")], [panel("Raw signal"), panel("Calibrated (isotonic, held-out)")]]) {
      expect(await overflowing(reliabilitySvg(panels))).toEqual([]);
      expect(await overflowing(reliabilitySvg(panels, { title: LONG_TITLE }))).toEqual([]);
      expect(await overflowing(reliabilitySvg(panels, { title: "WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW" }))).toEqual([]);
    }
  });

  it("keeps the heatmap's and the coverage curve's text inside them", async () => {
    const questions = Array.from({ length: 3 }, (_, k) => ({ id: `q${k + 1}`, question: `Question ${k}`, yes: 3, no: 1 }));
    const rows = ["WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW", "MMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMM", "short"].map((label) => ({
      label,
      href: null,
      verdicts: ["YES", "NO", "YES"] as ("YES" | "NO")[],
    }));
    expect(await overflowing(String(await Heatmap({ questions, rows, graded: 4 }).toString()))).toEqual([]);
    const curve = Array.from({ length: 51 }, (_, i) => ({
      lambda: 0.5 + i / 100,
      coverage: 1 - i / 60,
      agreement: 0.7 + i / 200,
      agreement_lower: 0.65 + i / 200,
    }));
    expect(await overflowing(String(await CoverageCurve({ curve, alpha: 0.2, delta: 0.1, lambda: 0.83 }).toString()))).toEqual([]);
  });
});
