export interface Series {
  name: string;
  color: string;
  /** One value per day, in the order of `days`. */
  values: number[];
}

const W = 460;
const H = 200;
const M = { top: 16, right: 12, bottom: 34, left: 56 };

/** A round number at or above `max`, for the top of an axis. */
function niceCeiling(max: number): number {
  if (max <= 0) return 1;
  const step = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * step >= max) return m * step;
  return 10 * step;
}

/** Bars per day (stacked when there are several series), every day in the range shown, none skipped. */
export function DailyBars(props: { days: string[]; series: Series[]; format: (v: number) => string; title: string }) {
  const { days, series } = props;
  const totals = days.map((_, i) => series.reduce((s, x) => s + (x.values[i] ?? 0), 0));
  const top = niceCeiling(Math.max(0, ...totals));
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const slot = plotW / Math.max(1, days.length);
  const barW = Math.max(1, Math.min(28, slot * 0.75));
  const y = (v: number) => M.top + plotH - (v / top) * plotH;
  const labelled = new Set([0, days.length - 1, Math.floor((days.length - 1) / 2)]);
  return (
    <svg class="chart" width={W} height={H} viewBox={`0 0 ${W} ${H}`} font-family="sans-serif" font-size="10" role="img" aria-label={props.title}>
      {[0, 0.5, 1].map((t) => (
        <g>
          <line x1={M.left} x2={W - M.right} y1={y(t * top)} y2={y(t * top)} stroke="#e5e5e5" />
          <text x={M.left - 5} y={y(t * top) + 3} text-anchor="end">
            {props.format(t * top)}
          </text>
        </g>
      ))}
      {days.map((day, i) => {
        let base = 0;
        const x = M.left + i * slot + (slot - barW) / 2;
        return (
          <g class="day">
            {series.map((s) => {
              const v = s.values[i] ?? 0;
              const rect = (
                <rect class="bar" x={x} y={y(base + v)} width={barW} height={y(base) - y(base + v)} fill={s.color}>
                  <title>{`${day} · ${s.name}: ${props.format(v)}`}</title>
                </rect>
              );
              base += v;
              return rect;
            })}
            {labelled.has(i) ? (
              <text x={x + barW / 2} y={H - M.bottom + 14} text-anchor="middle">
                {day.slice(5)}
              </text>
            ) : null}
          </g>
        );
      })}
      <line x1={M.left} x2={W - M.right} y1={y(0)} y2={y(0)} stroke="#000" />
      {series.length > 1
        ? series.map((s, k) => (
            <g transform={`translate(${M.left + k * 130} ${H - 6})`}>
              <rect x="0" y="-9" width="10" height="10" fill={s.color} />
              <text x="14" y="0">
                {s.name}
              </text>
            </g>
          ))
        : null}
    </svg>
  );
}

/** Every UTC day from `from` to `to`, inclusive. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`) && days.length < 1000; t += 86_400_000) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}
