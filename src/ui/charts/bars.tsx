import { score } from "../format";

/** p(YES) as a bar from 0 to 1, its value beside it; a dash when the judge gave no probability. */
export function ProbabilityBar(props: { p: number | null }) {
  if (props.p === null) return <span class="muted">–</span>;
  const w = 80;
  const color = props.p >= 0.5 ? "#2e8b57" : "#c8413b";
  return (
    <span class="pyes">
      <svg class="pbar" width={w} height="10" viewBox={`0 0 ${w} 10`} role="img" aria-label={`p(YES) ${score(props.p)}`}>
        <rect width={w} height="10" rx="2" fill="#e6e9ef" />
        <rect width={props.p * w} height="10" rx="2" fill={color} />
        <line x1={w / 2} x2={w / 2} y1="0" y2="10" stroke="#fff" stroke-width="1" />
      </svg>{" "}
      {score(props.p)}
    </span>
  );
}
