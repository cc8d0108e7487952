import type { ReliabilityBin } from './metrics.js';

export interface ReliabilitySvgOptions {
  title?: string;
  /** Outer size in px; default 420 × 420. */
  width?: number;
  height?: number;
}

const MARGIN = { top: 40, right: 20, bottom: 52, left: 58 };

/** Escapes text for XML character data and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[ch] as string);
}

/**
 * A reliability diagram as a standalone SVG string: one bar per bin at the observed frequency, the
 * diagonal of perfect calibration, a dot at each bin's mean predicted probability, and the bin
 * counts above the bars. Pure string building, so it runs anywhere (server, tests) without a DOM.
 */
export function reliabilitySvg(bins: ReadonlyArray<ReliabilityBin>, options: ReliabilitySvgOptions = {}): string {
  const width = options.width ?? 420;
  const height = options.height ?? 420;
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const x = (v: number): number => MARGIN.left + v * plotW;
  const y = (v: number): number => MARGIN.top + (1 - v) * plotH;
  const f = (v: number): string => (Math.round(v * 100) / 100).toString();

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
  );
  if (options.title !== undefined) {
    parts.push(`<title>${escapeXml(options.title)}</title>`);
    parts.push(`<text class="title" x="${f(width / 2)}" y="22" text-anchor="middle" font-size="14">${escapeXml(options.title)}</text>`);
  }
  parts.push('<g class="bars">');
  for (const bin of bins) {
    const acc = bin.accuracy ?? 0;
    const left = x(bin.lo);
    const barW = Math.max(0, x(bin.hi) - left - 1);
    parts.push(
      `<rect class="bar" x="${f(left + 0.5)}" y="${f(y(acc))}" width="${f(barW)}" height="${f(y(0) - y(acc))}" fill="#4c78a8" fill-opacity="0.8"/>`,
    );
    parts.push(
      `<text class="count" x="${f((left + x(bin.hi)) / 2)}" y="${f(y(acc) - 4)}" text-anchor="middle" font-size="9">${bin.count}</text>`,
    );
    if (bin.mean_confidence !== null) {
      parts.push(`<circle class="confidence" cx="${f(x(bin.mean_confidence))}" cy="${f(y(bin.mean_confidence))}" r="2.5" fill="#e45756"/>`);
    }
  }
  parts.push('</g>');
  parts.push(`<line class="diagonal" x1="${f(x(0))}" y1="${f(y(0))}" x2="${f(x(1))}" y2="${f(y(1))}" stroke="#888" stroke-dasharray="4 3"/>`);
  parts.push(`<path class="axes" d="M${f(x(0))},${f(y(1))} V${f(y(0))} H${f(x(1))}" fill="none" stroke="#000"/>`);
  for (let t = 0; t <= 10; t += 2) {
    const v = t / 10;
    parts.push(`<text class="tick" x="${f(x(v))}" y="${f(y(0) + 14)}" text-anchor="middle">${v.toFixed(1)}</text>`);
    parts.push(`<text class="tick" x="${f(x(0) - 6)}" y="${f(y(v) + 4)}" text-anchor="end">${v.toFixed(1)}</text>`);
  }
  parts.push(`<text class="axis-label" x="${f(x(0.5))}" y="${f(height - 12)}" text-anchor="middle">Predicted probability</text>`);
  parts.push(
    `<text class="axis-label" transform="translate(16 ${f(y(0.5))}) rotate(-90)" text-anchor="middle">Observed frequency</text>`,
  );
  parts.push('</svg>');
  return parts.join('\n');
}
