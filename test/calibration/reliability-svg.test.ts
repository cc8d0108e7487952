import { describe, expect, it } from 'vitest';
import { reliabilityBins, reliabilitySvg } from '../../src/calibration/index.js';
import { syntheticJudge } from './helpers.js';

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
  expect(xml.slice(last).trim()).toBe('');
  expect(stack).toEqual([]);
}

describe('reliability diagram SVG', () => {
  const { p, y } = syntheticJudge(500, 21, (q) => q);
  const bins = reliabilityBins(p, y);

  it('draws ten bars, the diagonal, counts and axis labels', () => {
    const svg = reliabilitySvg(bins, { title: 'GPT-4 judge' });
    assertWellFormed(svg);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<rect class="bar"/g)).toHaveLength(10);
    expect(svg).toMatch(/<line class="diagonal"/);
    for (const b of bins) expect(svg).toContain(`>${b.count}</text>`);
    expect(svg).toContain('Predicted probability');
    expect(svg).toContain('Observed frequency');
  });

  it('escapes the title', () => {
    const svg = reliabilitySvg(bins, { title: 'A <script>&"quoted"\'' });
    assertWellFormed(svg);
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('A &lt;script&gt;&amp;&quot;quoted&quot;&apos;');
  });

  it('handles empty bins', () => {
    const svg = reliabilitySvg(reliabilityBins([0.05, 0.95], [0, 1]));
    assertWellFormed(svg);
    expect(svg.match(/<rect class="bar"/g)).toHaveLength(10);
    expect(svg.match(/<circle/g)).toHaveLength(2);
  });
});
