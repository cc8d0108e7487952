export interface CurvePoint {
  lambda: number;
  coverage: number;
  agreement: number | null;
  agreement_lower: number | null;
}

const W = 560;
const H = 330;
const M = { top: 18, right: 20, bottom: 92, left: 52 };
const COLORS = { coverage: "#4c78a8", agreement: "#e45756", target: "#777777", lambda: "#2e8b57" };

/**
 * Coverage (share of items answered) and agreement with people against the abstention threshold
 * λ, with the lower bound certification tests, the target 1 − α and the certified λ.
 */
export function CoverageCurve(props: { curve: CurvePoint[]; alpha: number; delta: number; lambda: number | null }) {
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const x = (l: number) => M.left + ((l - 0.5) / 0.5) * plotW;
  const y = (v: number) => M.top + (1 - v) * plotH;
  const path = (pick: (p: CurvePoint) => number | null) =>
    props.curve
      .filter((p) => pick(p) !== null)
      .map((p, i) => `${i === 0 ? "M" : "L"}${x(p.lambda).toFixed(1)},${y(pick(p)!).toFixed(1)}`)
      .join(" ");
  const at = props.lambda === null ? undefined : props.curve.find((p) => p.lambda === props.lambda);
  const legend = [
    { label: "coverage: share of items answered", color: COLORS.coverage, dash: undefined },
    { label: "agreement with people on answered items", color: COLORS.agreement, dash: undefined },
    { label: `agreement, lower bound at ${Math.round((1 - props.delta) * 100)}% confidence`, color: COLORS.agreement, dash: "5 3" },
    { label: `target agreement 1 − α = ${(1 - props.alpha).toFixed(2)}`, color: COLORS.target, dash: "2 3" },
  ];
  return (
    <svg
      class="chart chart-narrow coverage-curve"
      width={W}
      height={H}
      viewBox={`0 0 ${W} ${H}`}
      font-family="sans-serif"
      font-size="11"
      role="img"
      aria-label="Coverage and agreement against the threshold"
    >
      {[0, 0.2, 0.4, 0.6, 0.8, 1].map((v) => (
        <g>
          <line x1={M.left} x2={W - M.right} y1={y(v)} y2={y(v)} stroke="#ececec" />
          <text x={M.left - 6} y={y(v) + 4} text-anchor="end">
            {v.toFixed(1)}
          </text>
        </g>
      ))}
      {[0.5, 0.6, 0.7, 0.8, 0.9, 1].map((l) => (
        <text x={x(l)} y={y(0) + 15} text-anchor="middle">
          {l.toFixed(1)}
        </text>
      ))}
      <text x={x(0.75)} y={y(0) + 32} text-anchor="middle">
        threshold λ on the judge's confidence
      </text>
      <line class="target" x1={M.left} x2={W - M.right} y1={y(1 - props.alpha)} y2={y(1 - props.alpha)} stroke={COLORS.target} stroke-dasharray="2 3" />
      <path class="coverage" d={path((p) => p.coverage)} fill="none" stroke={COLORS.coverage} stroke-width="2" />
      <path class="agreement" d={path((p) => p.agreement)} fill="none" stroke={COLORS.agreement} stroke-width="2" />
      <path class="agreement-lower" d={path((p) => p.agreement_lower)} fill="none" stroke={COLORS.agreement} stroke-width="1.5" stroke-dasharray="5 3" />
      {props.lambda !== null ? (
        <g class="certified">
          <line x1={x(props.lambda)} x2={x(props.lambda)} y1={y(1)} y2={y(0)} stroke={COLORS.lambda} stroke-width="1.5" />
          <text x={x(props.lambda) - 4} y={y(0.04)} text-anchor="end" fill={COLORS.lambda} font-weight="bold">
            {`certified λ = ${props.lambda.toFixed(3)}`}
          </text>
          {at ? <circle cx={x(props.lambda)} cy={y(at.coverage)} r="4" fill={COLORS.coverage} /> : null}
        </g>
      ) : null}
      <path d={`M${M.left},${M.top} V${y(0)} H${W - M.right}`} fill="none" stroke="#000" />
      <g class="legend" transform={`translate(${M.left} ${y(0) + 50})`}>
        {legend.map((item, i) => (
          <g transform={`translate(${(i % 2) * 250} ${Math.floor(i / 2) * 16})`}>
            <line x1="0" x2="18" y1="-4" y2="-4" stroke={item.color} stroke-width="2" stroke-dasharray={item.dash} />
            <text x="24" y="0">
              {item.label}
            </text>
          </g>
        ))}
      </g>
    </svg>
  );
}
