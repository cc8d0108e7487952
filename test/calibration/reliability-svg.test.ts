import { describe, expect, it } from "vitest";
import { reliabilityBins, reliabilitySvg } from "../../src/calibration/index";
import { syntheticJudge } from "./helpers";

/** Minimal well-formedness check: balanced tags, quoted attributes, no raw '<' or bare '&' in text. */
function assertWellFormed(xml: string): void {
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  for (let m = tag.exec(xml); m !== null; m = tag.exec(xml)) {
    const text = xml.slice(last, m.index);
    expect(text).not.toMatch(/[<>]/);
    expect(text).not.toMatch(/&(?!(amp|lt|gt|quot|apos);)/);
    last = tag.lastIndex;
    const [, closing, name, , selfClosing] = m;
    if (selfClosing) continue;
    if (closing) expect(stack.pop()).toBe(name);
    else stack.push(name!);
  }
  expect(xml.slice(last).trim()).toBe("");
  expect(stack).toEqual([]);
}

const attr = (tag: string, name: string) => Number(new RegExp(`\\s${name}="([^"]+)"`).exec(tag)![1]);

describe("reliability diagram SVG", () => {
  const { p, y } = syntheticJudge(500, 21, (q) => q);
  const raw = reliabilityBins(p, y);
  const calibrated = reliabilityBins(
    p.map((v) => 0.5 + (v - 0.5) * 0.8),
    y,
  );
  const panels = [
    { label: "Raw signal", bins: raw, ece: { estimate: 0.0412, lo: 0.0231, hi: 0.0675 }, level: 0.95 },
    { label: "Calibrated (beta, held-out)", bins: calibrated, ece: { estimate: 0.0187, lo: 0.011, hi: 0.04 }, level: 0.9 },
  ];

  it("draws the panels side by side: ten bars each, the diagonal, counts, axis labels and each ECE with its interval", () => {
    const svg = reliabilitySvg(panels, { title: "GPT-4 judge" });
    assertWellFormed(svg);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<rect class="bar"/g)).toHaveLength(20);
    expect(svg.match(/<line class="diagonal"/g)).toHaveLength(2);
    for (const b of [...raw, ...calibrated]) expect(svg).toContain(`>${b.count}</text>`);
    expect(svg.match(/Predicted probability/g)).toHaveLength(2);
    expect(svg).toContain("Raw signal");
    expect(svg).toContain("Calibrated (beta, held-out)");
    expect(svg).toContain("ECE 0.041 (95% interval 0.023–0.068)");
    expect(svg).toContain("ECE 0.019 (90% interval 0.011–0.040)");
  });

  it("draws each bar as tall as its bin's observed frequency, and the panels do not overlap", () => {
    const svg = reliabilitySvg(panels);
    const bars = svg.match(/<rect class="bar"[^>]*>/g)!;
    const heights = bars.map((b) => attr(b, "height"));
    const full = Math.max(...heights.map((h, i) => h / ([...raw, ...calibrated][i]!.accuracy ?? 1)).filter(Number.isFinite));
    [...raw, ...calibrated].forEach((bin, i) => {
      expect(heights[i]! / full).toBeCloseTo(bin.accuracy ?? 0, 2);
    });
    const lefts = bars.map((b) => attr(b, "x"));
    const rightOfFirst = Math.max(...lefts.slice(0, 10).map((x, i) => x + attr(bars[i]!, "width")));
    expect(Math.min(...lefts.slice(10))).toBeGreaterThan(rightOfFirst + 20);
  });

  it("scales to the page: a viewBox as wide as its panels", () => {
    const one = reliabilitySvg(panels.slice(0, 1));
    const two = reliabilitySvg(panels);
    const width = (svg: string) => Number(/viewBox="0 0 (\d+) \d+"/.exec(svg)![1]);
    expect(width(two)).toBeGreaterThan(1.8 * width(one) - 100);
  });

  it("has a legend naming the bars, the dots and the diagonal", () => {
    const svg = reliabilitySvg(panels);
    const legend = /<g class="legend"[\s\S]*?<\/g>\n<\/g>/.exec(svg)?.[0] ?? "";
    expect(legend).toContain("observed frequency");
    expect(legend).toContain("mean predicted probability");
    expect(legend).toContain("perfect calibration");
  });

  it("escapes the title and labels", () => {
    const svg = reliabilitySvg([{ ...panels[0]!, label: "x < y & z" }], { title: 'A <script>&"quoted"\'' });
    assertWellFormed(svg);
    expect(svg).not.toContain("<script>");
    expect(svg).toContain("A &lt;script&gt;&amp;&quot;quoted&quot;&apos;");
    expect(svg).toContain("x &lt; y &amp; z");
  });

  it("handles empty bins and an unknown ECE", () => {
    const svg = reliabilitySvg([{ label: "sparse", bins: reliabilityBins([0.05, 0.95], [0, 1]) }]);
    assertWellFormed(svg);
    expect(svg.match(/<rect class="bar"/g)).toHaveLength(10);
    expect(svg.match(/<circle class="confidence"/g)).toHaveLength(2);
    expect(svg).toContain("ECE not measured");
  });
});
