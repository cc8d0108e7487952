/** The viewer's stylesheet, served as /ui/assets/app.css. System fonts only: nothing is fetched from elsewhere. */
export const APP_CSS = `
:root {
  --fg: #1d2330; --muted: #5b6474; --line: #dde1e8; --bg: #f6f7f9; --card: #ffffff; --accent: #2f5fb3;
  --yes: #2e8b57; --no: #c8413b; --err: #8a6d1d; --pending: #7a8190;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--fg); background: var(--bg); font-size: 15px; line-height: 1.45;
}
body { margin: 0; }
[hidden] { display: none !important; }
a { color: var(--accent); }
header.top { display: flex; align-items: center; gap: 1.5rem; padding: .6rem 1.5rem; background: #1d2330; color: #fff; flex-wrap: wrap; }
header.top .brand { color: #fff; font-weight: 700; font-size: 1.1rem; text-decoration: none; letter-spacing: .02em; }
header.top nav { display: flex; gap: 1rem; flex-wrap: wrap; flex: 1; }
header.top nav a { color: #c9d3e6; text-decoration: none; padding: .2rem 0; border-bottom: 2px solid transparent; }
header.top nav a[aria-current="page"] { color: #fff; border-bottom-color: #7fa7f0; }
button.link { background: none; border: 0; color: #c9d3e6; cursor: pointer; font: inherit; text-decoration: underline; }
main { max-width: 1280px; margin: 0 auto; padding: 1.2rem 1.5rem 3rem; }
h1 { font-size: 1.45rem; margin: .2rem 0 1rem; word-break: break-all; }
h2 { font-size: 1.15rem; margin: 1.8rem 0 .6rem; }
h3 { font-size: 1rem; margin: 1.2rem 0 .4rem; }
.muted, .hint { color: var(--muted); }
.hint { font-size: .88rem; }
.problem { color: var(--no); background: #fdf0ef; border: 1px solid #f1c6c3; padding: .6rem .8rem; border-radius: 6px; }
.notice { background: #eef3fb; border: 1px solid #cad8f0; padding: .6rem .8rem; border-radius: 6px; }
.key-form { max-width: 420px; margin: 3rem auto; background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 1.2rem 1.4rem; }
.key-form[hidden] { display: none; }
.key-form h2 { margin-top: 0; }
.key-form input { width: 100%; box-sizing: border-box; padding: .45rem; margin: .3rem 0 .8rem; font: inherit; }
button, .button { font: inherit; padding: .35rem .8rem; border-radius: 5px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; display: inline-block; }
.button.secondary { background: var(--card); color: var(--accent); }
.metrics { display: grid; grid-template-columns: repeat(auto-fill, minmax(160px, 1fr)); gap: .7rem; margin: .8rem 0 1.2rem; }
.metric { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .6rem .8rem; }
.metric-label { color: var(--muted); font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; }
.metric-value { font-size: 1.3rem; font-weight: 600; margin-top: .15rem; font-variant-numeric: tabular-nums; }
.metric-note { color: var(--muted); font-size: .8rem; }
table { border-collapse: collapse; width: 100%; background: var(--card); border: 1px solid var(--line); font-size: .92rem; }
th, td { text-align: left; padding: .4rem .55rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #eef0f4; font-weight: 600; white-space: nowrap; }
th a { color: inherit; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody tr:nth-child(even) { background: #fafbfc; }
td.text { max-width: 36rem; overflow-wrap: anywhere; }
.table-wrap { overflow-x: auto; }
.badge { display: inline-block; padding: .05rem .5rem; border-radius: 999px; font-size: .8rem; font-weight: 600; color: #fff; background: var(--pending); }
.badge-passed, .badge-yes, .badge-completed { background: var(--yes); }
.badge-failed, .badge-no { background: var(--no); }
.badge-errored, .badge-cancelled { background: var(--err); }
.badge-running { background: var(--accent); }
.filters { display: flex; flex-wrap: wrap; gap: .6rem 1rem; align-items: end; background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .7rem .9rem; margin: .6rem 0 1rem; }
.filters label { display: flex; flex-direction: column; font-size: .82rem; color: var(--muted); gap: .15rem; }
.filters input, .filters select { font: inherit; padding: .3rem .4rem; min-width: 9rem; }
.actions { display: flex; gap: .6rem; flex-wrap: wrap; margin: .4rem 0 1rem; }
progress { width: 100%; height: .8rem; accent-color: var(--accent); }
.progress-cell { min-width: 11rem; }
.pager { display: flex; gap: 1rem; align-items: center; margin: .8rem 0; }
pre.text { white-space: pre-wrap; overflow-wrap: anywhere; background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .7rem .9rem; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .88rem; max-height: 28rem; overflow-y: auto; margin: 0; }
.chart, svg.reliability { display: block; max-width: 100%; height: auto; background: var(--card); border: 1px solid var(--line); border-radius: 8px; }
.charts .chart { width: 100%; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(380px, 1fr)); gap: .9rem; }
figure { margin: 0 0 .8rem; }
figcaption { color: var(--muted); font-size: .85rem; margin: .3rem 0 0; }
.columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 1rem; }
.stage { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .4rem 1rem 1rem; margin: 1rem 0; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: .4rem 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
.pbar { vertical-align: middle; }
@media (max-width: 640px) { main { padding: 1rem .7rem; } .charts { grid-template-columns: 1fr; } }
`;

/** A small icon, so that the browser does not ask for /favicon.ico. */
export const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#2f5fb3"/><path d="M4 8.5l2.5 2.5L12 5" stroke="#fff" stroke-width="2" fill="none"/></svg>`;
