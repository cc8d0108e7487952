import type { ReliabilityBin } from "./metrics";
import { fitText, wrapText } from "./svg-text";

export interface ReliabilityPanel {
  /** What the panel plots, e.g. "Raw signal" or "Calibrated (beta, held-out)". */
  label: string;
  bins: ReadonlyArray<ReliabilityBin>;
  /** The ECE of the same predictions with its interval, when known. */
  ece?: { estimate: number; lo: number; hi: number } | null;
  /** Level of the ECE interval (0.95 prints "95%"). */
  level?: number;
}

export interface ReliabilitySvgOptions {
  title?: string;
}

const PANEL = 300; // plot side, px
const GAP = 70; // between panels, room for the second panel's axis labels
const MARGIN = { top: 74, right: 24, bottom: 96, left: 64 };
const COLORS = { bar: "#4c78a8", dot: "#e45756", diagonal: "#777777" };
const TITLE_SIZE = 14;
const TITLE_LINE = 18;
const LEGEND_LINE = 13;
const LEGEND_GAP = 4;

/** Escapes text for XML character data and attribute values. */
function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[ch] as string);
}

const f = (v: number): string => (Math.round(v * 100) / 100).toString();
const three = (v: number): string => v.toFixed(3);

/** "ECE 0.041 (95% interval 0.022–0.067)", or just the estimate when no interval is known. */
function eceLabel(ece: ReliabilityPanel["ece"], level = 0.95): string {
  if (!ece) return "ECE not measured";
  const interval = Number.isFinite(ece.lo) && Number.isFinite(ece.hi) ? ` (${Math.round(level * 100)}% interval ${three(ece.lo)}–${three(ece.hi)})` : "";
  return `ECE ${three(ece.estimate)}${interval}`;
}

function panelSvg(panel: ReliabilityPanel, left: number): string[] {
  const x = (v: number): number => left + v * PANEL;
  const y = (v: number): number => MARGIN.top + (1 - v) * PANEL;
  const parts: string[] = [`<g class="panel">`];
  parts.push(
    `<text class="panel-label" x="${f(x(0.5))}" y="${f(MARGIN.top - 30)}" text-anchor="middle" font-size="13" font-weight="bold">${escapeXml(fitText(panel.label, PANEL, 13, true))}</text>`,
  );
  parts.push(
    `<text class="ece" x="${f(x(0.5))}" y="${f(MARGIN.top - 12)}" text-anchor="middle">${escapeXml(fitText(eceLabel(panel.ece, panel.level), PANEL, 11))}</text>`,
  );
  for (let t = 0; t <= 10; t += 2) {
    const v = t / 10;
    parts.push(`<line class="grid" x1="${f(x(0))}" y1="${f(y(v))}" x2="${f(x(1))}" y2="${f(y(v))}" stroke="#e5e5e5"/>`);
  }
  for (const bin of panel.bins) {
    const acc = bin.accuracy ?? 0;
    const barLeft = x(bin.lo);
    const barW = Math.max(0, x(bin.hi) - barLeft - 1);
    const tip = bin.count === 0 ? "empty" : `observed ${three(acc)}, mean predicted ${three(bin.mean_confidence ?? 0)}`;
    parts.push(
      `<rect class="bar" x="${f(barLeft + 0.5)}" y="${f(y(acc))}" width="${f(barW)}" height="${f(y(0) - y(acc))}" fill="${COLORS.bar}" fill-opacity="0.8"><title>${f(bin.lo)}–${f(bin.hi)}: ${bin.count} items, ${tip}</title></rect>`,
    );
    parts.push(`<text class="count" x="${f((barLeft + x(bin.hi)) / 2)}" y="${f(y(acc) - 4)}" text-anchor="middle" font-size="9">${bin.count}</text>`);
    if (bin.mean_confidence !== null) {
      parts.push(`<circle class="confidence" cx="${f(x(bin.mean_confidence))}" cy="${f(y(bin.mean_confidence))}" r="3" fill="${COLORS.dot}"/>`);
    }
  }
  parts.push(`<line class="diagonal" x1="${f(x(0))}" y1="${f(y(0))}" x2="${f(x(1))}" y2="${f(y(1))}" stroke="${COLORS.diagonal}" stroke-dasharray="4 3"/>`);
  parts.push(`<path class="axes" d="M${f(x(0))},${f(y(1))} V${f(y(0))} H${f(x(1))}" fill="none" stroke="#000"/>`);
  for (let t = 0; t <= 10; t += 2) {
    const v = t / 10;
    parts.push(`<text class="tick" x="${f(x(v))}" y="${f(y(0) + 15)}" text-anchor="middle">${v.toFixed(1)}</text>`);
    parts.push(`<text class="tick" x="${f(x(0) - 6)}" y="${f(y(v) + 4)}" text-anchor="end">${v.toFixed(1)}</text>`);
  }
  parts.push(`<text class="axis-label" x="${f(x(0.5))}" y="${f(y(0) + 34)}" text-anchor="middle">Predicted probability</text>`);
  parts.push(`<text class="axis-label" transform="translate(${f(left - 42)} ${f(y(0.5))}) rotate(-90)" text-anchor="middle">Observed frequency</text>`);
  parts.push("</g>");
  return parts;
}

const LEGEND = [
  {
    key: `<rect x="0" y="-9" width="14" height="10" fill="${COLORS.bar}" fill-opacity="0.8"/>`,
    text: "observed frequency of the positive outcome in the bin (the number above a bar: its items)",
  },
  { key: `<circle cx="7" cy="-4" r="3" fill="${COLORS.dot}"/>`, text: "mean predicted probability in the bin" },
  { key: `<line x1="0" y1="-4" x2="14" y2="-4" stroke="${COLORS.diagonal}" stroke-dasharray="4 3"/>`, text: "perfect calibration" },
];

/** The legend, each entry's text wrapped to `width`; returns its parts and its height. */
function legendSvg(top: number, left: number, width: number): { parts: string[]; height: number } {
  const items: string[] = [];
  let y = 0;
  for (const entry of LEGEND) {
    const [first, ...rest] = wrapText(entry.text, width - 20, 11);
    const more = rest.map((line) => `<tspan x="20" dy="${LEGEND_LINE}">${escapeXml(line)}</tspan>`).join("");
    items.push(`<g transform="translate(0 ${y})">${entry.key}<text x="20" y="0">${escapeXml(first ?? "")}${more}</text></g>`);
    y += LEGEND_LINE * (1 + rest.length) + LEGEND_GAP;
  }
  return { parts: [`<g class="legend" transform="translate(${f(left)} ${f(top)})">`, ...items, "</g>"], height: y };
}

/**
 * Reliability diagrams as one standalone SVG, panels side by side (e.g. the raw signal beside the
 * calibrated one): per panel one bar per bin at the observed frequency, a dot at each bin's mean
 * predicted probability, the diagonal of perfect calibration, the bin counts and the ECE with its
 * interval; a legend below. Sized by its viewBox, so a page can scale it to its width. Pure
 * string building, so it runs anywhere (server, tests) without a DOM.
 */
export function reliabilitySvg(panels: ReadonlyArray<ReliabilityPanel>, options: ReliabilitySvgOptions = {}): string {
  const width = MARGIN.left + panels.length * PANEL + (panels.length - 1) * GAP + MARGIN.right;
  // Long titles (a profile's name and its judge) wrap rather than run past the edges.
  const title = options.title === undefined ? [] : wrapText(options.title, width - 16, TITLE_SIZE);
  const shift = title.length === 0 ? 0 : 24 + TITLE_LINE * (title.length - 1);
  const legendTop = MARGIN.top + PANEL + 56;
  const legend = legendSvg(legendTop, MARGIN.left, width - MARGIN.left - 8);
  const height = shift + Math.max(MARGIN.top + PANEL + MARGIN.bottom, legendTop + legend.height);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="reliability" width="${width}" height="${f(height)}" viewBox="0 0 ${width} ${f(height)}" font-family="sans-serif" font-size="11" role="img">`,
  ];
  if (options.title !== undefined) {
    parts.push(`<title>${escapeXml(options.title)}</title>`);
    title.forEach((line, i) => {
      parts.push(`<text class="title" x="${f(width / 2)}" y="${22 + i * TITLE_LINE}" text-anchor="middle" font-size="${TITLE_SIZE}">${escapeXml(line)}</text>`);
    });
  }
  parts.push(`<g transform="translate(0 ${shift})">`);
  panels.forEach((panel, i) => {
    parts.push(...panelSvg(panel, MARGIN.left + i * (PANEL + GAP)));
  });
  parts.push(...legend.parts);
  parts.push("</g>", "</svg>");
  return parts.join("\n");
}
