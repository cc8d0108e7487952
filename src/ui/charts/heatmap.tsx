import { fitText } from "../../calibration/svg-text";
import { percent } from "../format";

export interface HeatmapQuestion {
  id: string;
  question: string;
  /** Graded items that answered YES and NO, over the whole batch. */
  yes: number;
  no: number;
}

export interface HeatmapRow {
  label: string;
  href: string | null;
  /** Verdicts in question order; null for an item not graded (errored or unfinished). */
  verdicts: ("YES" | "NO")[] | null;
}

const LABEL_W = 190;
const CELL_W = 30;
const CELL_H = 20;
const BAR_H = 56;
const TOP = BAR_H + 44;
const COLORS = { YES: "#2e8b57", NO: "#c8413b", none: "#c9ced8", bar: "#c8413b" };

/**
 * Items (rows) × checklist questions (columns), a cell per verdict; above each column, the share
 * of all graded items of the batch that answered NO, so the criteria that fail most stand out.
 */
export function Heatmap(props: { questions: HeatmapQuestion[]; rows: HeatmapRow[]; graded: number }) {
  const { questions, rows } = props;
  // At least as wide as the legend.
  const width = Math.max(LABEL_W + questions.length * CELL_W + 24, LABEL_W + 470);
  const legendY = TOP + rows.length * CELL_H + 26;
  const height = legendY + 40;
  return (
    <svg
      class="chart heatmap"
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      font-family="sans-serif"
      font-size="11"
      role="img"
      aria-label="Verdicts of items by checklist question"
    >
      <text x={LABEL_W - 8} y={BAR_H - 28} text-anchor="end" fill="#5b6474">
        NO over {props.graded} graded
      </text>
      {questions.map((q, k) => {
        const graded = q.yes + q.no;
        const share = graded ? q.no / graded : 0;
        const x = LABEL_W + k * CELL_W;
        return (
          <g class="column">
            <rect
              class="fail-bar"
              x={x + 3}
              y={BAR_H - share * (BAR_H - 14)}
              width={CELL_W - 6}
              height={share * (BAR_H - 14)}
              fill={COLORS.bar}
              fill-opacity="0.75"
            >
              <title>{`${q.id}: ${q.question} — NO for ${q.no} of ${graded} graded items (${percent(share)})`}</title>
            </rect>
            <text x={x + CELL_W / 2} y={BAR_H - share * (BAR_H - 14) - 3} text-anchor="middle" font-size="9">
              {graded ? Math.round(share * 100) : "–"}
            </text>
            <text class="column-label" x={x + CELL_W / 2} y={TOP - 10} text-anchor="middle" font-weight="bold">
              {q.id}
              <title>{q.question}</title>
            </text>
          </g>
        );
      })}
      {rows.map((row, r) => {
        const y = TOP + r * CELL_H;
        const label = (
          <text x={LABEL_W - 8} y={y + CELL_H / 2 + 4} text-anchor="end">
            {fitText(row.label, LABEL_W - 12, 11)}
          </text>
        );
        return (
          <g class="row">
            {row.href ? <a href={row.href}>{label}</a> : label}
            {questions.map((q, k) => {
              const verdict = row.verdicts?.[k] ?? null;
              return (
                <rect
                  class={`cell cell-${verdict ?? "none"}`}
                  x={LABEL_W + k * CELL_W + 1}
                  y={y + 1}
                  width={CELL_W - 2}
                  height={CELL_H - 2}
                  fill={verdict ? COLORS[verdict] : COLORS.none}
                >
                  <title>{`${row.label} · ${q.id}: ${verdict ?? "not graded"} — ${q.question}`}</title>
                </rect>
              );
            })}
          </g>
        );
      })}
      <g class="legend" transform={`translate(${LABEL_W} ${legendY})`}>
        <rect x="0" y="-10" width="12" height="12" fill={COLORS.YES} />
        <text x="17" y="0">
          YES
        </text>
        <rect x="60" y="-10" width="12" height="12" fill={COLORS.NO} />
        <text x="77" y="0">
          NO
        </text>
        <rect x="115" y="-10" width="12" height="12" fill={COLORS.none} />
        <text x="132" y="0">
          not graded
        </text>
        <rect x="215" y="-10" width="12" height="12" fill={COLORS.bar} fill-opacity="0.75" />
        <text x="232" y="0">
          bars: % of graded items answering NO
        </text>
      </g>
    </svg>
  );
}
