import type { Child } from "hono/jsx";
import { ASSET_VERSION } from "./assets";

const NAV = [
  { key: "batches", href: "/ui/batches", label: "Batches" },
  { key: "evaluations", href: "/ui/evaluations", label: "Evaluations" },
  { key: "checklists", href: "/ui/checklists", label: "Checklists" },
  { key: "calibrations", href: "/ui/calibrations", label: "Calibrations" },
  { key: "usage", href: "/ui/usage", label: "Usage" },
] as const;

export type NavKey = (typeof NAV)[number]["key"];

/**
 * The page a browser loads: navigation, the key prompt and an empty main element. It holds no
 * data; its script fetches the page's content with the key kept in session storage.
 */
export function Shell(props: { title: string; nav: NavKey }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · tickbox`}</title>
        <link rel="stylesheet" href={`/ui/assets/app.css?v=${ASSET_VERSION}`} />
        <link rel="icon" href={`/ui/assets/icon.svg?v=${ASSET_VERSION}`} type="image/svg+xml" />
        <script src={`/ui/assets/app.js?v=${ASSET_VERSION}`} defer />
      </head>
      <body>
        <header class="top">
          <a class="brand" href="/ui">
            tickbox
          </a>
          <nav aria-label="Sections">
            {NAV.map((item) => (
              <a href={item.href} aria-current={item.key === props.nav ? "page" : undefined}>
                {item.label}
              </a>
            ))}
            <a href="/docs">API reference</a>
          </nav>
          <button type="button" id="forget-key" class="link" hidden>
            Forget key
          </button>
        </header>
        <form id="key-form" class="key-form" hidden>
          <h2>API key</h2>
          <p id="key-message">This service needs an API key.</p>
          <label>
            Key <input id="key-input" type="password" name="key" autocomplete="off" required />
          </label>
          <button type="submit">Use this key</button>
          <p class="hint">Kept in this tab's session storage and sent as the bearer token; closing the tab forgets it.</p>
        </form>
        <main id="main" aria-busy="true">
          <p class="muted">Loading…</p>
        </main>
      </body>
    </html>
  );
}

/** The content of a page, its title for the browser tab in `data-title`. */
export function Page(props: { title: string; heading?: Child; children?: Child }) {
  return (
    <div class="page" data-title={props.title}>
      <h1>{props.heading ?? props.title}</h1>
      {props.children}
    </div>
  );
}

export function Metric(props: { label: string; children?: Child; field?: string; format?: string; note?: string }) {
  return (
    <div class="metric">
      <div class="metric-label">{props.label}</div>
      <div class="metric-value" data-field={props.field} data-format={props.format}>
        {props.children}
      </div>
      {props.note ? <div class="metric-note">{props.note}</div> : null}
    </div>
  );
}

const OUTCOME_TEXT: Record<string, string> = {
  passed: "passed",
  failed: "failed",
  errored: "errored",
  pending: "pending",
  running: "running",
  completed: "completed",
  cancelled: "cancelled",
  YES: "YES",
  NO: "NO",
};

/** A word in a coloured pill: an outcome, a verdict, a status. */
export function Badge(props: { value: string; field?: string }) {
  return (
    <span class={`badge badge-${props.value.toLowerCase()}`} data-field={props.field} data-format={props.field ? "badge" : undefined}>
      {OUTCOME_TEXT[props.value] ?? props.value}
    </span>
  );
}

/** What the API said instead of data (a missing object, a missing scope, a runtime without batches). */
export function ProblemView(props: { status: number; title: string; detail: string }) {
  return (
    <div class="page" data-title={props.title}>
      <h1>{props.title}</h1>
      <p class="problem" role="alert">
        {props.detail || `The API answered ${props.status}.`}
      </p>
    </div>
  );
}

/** A link to the next page of a list, when there is one. */
export function NextPage(props: { href: string | null }) {
  return props.href ? (
    <p class="pager">
      <a href={props.href} rel="next">
        Older →
      </a>
    </p>
  ) : null;
}
