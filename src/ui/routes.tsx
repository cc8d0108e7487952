import type { Context } from "hono";
import type { JSX } from "hono/jsx/jsx-runtime";
import type { App, AppEnv } from "../env";
import { type Api, ApiProblem, apiFor } from "./api";
import { ASSETS } from "./assets";
import { type NavKey, ProblemView, Shell } from "./layout";
import { batchPage } from "./pages/batch";
import { batchesPage } from "./pages/batches";
import { calibrationPage, calibrationsPage } from "./pages/calibrations";
import { checklistPage, checklistsPage } from "./pages/checklists";
import { evaluationPage } from "./pages/evaluation";
import { evaluationsPage } from "./pages/evaluations";
import { usagePage } from "./pages/usage";

interface UiPage {
  path: string;
  title: string;
  nav: NavKey;
  render: (api: Api, c: Context<AppEnv>) => Promise<JSX.Element>;
}

const PAGES: UiPage[] = [
  { path: "/ui/batches", title: "Batches", nav: "batches", render: batchesPage },
  { path: "/ui/batches/:id", title: "Batch", nav: "batches", render: batchPage },
  { path: "/ui/evaluations", title: "Evaluations", nav: "evaluations", render: evaluationsPage },
  { path: "/ui/evaluations/:id", title: "Evaluation", nav: "evaluations", render: evaluationPage },
  { path: "/ui/checklists", title: "Checklists", nav: "checklists", render: checklistsPage },
  { path: "/ui/checklists/:id", title: "Checklist", nav: "checklists", render: checklistPage },
  { path: "/ui/calibrations", title: "Calibrations", nav: "calibrations", render: calibrationsPage },
  { path: "/ui/calibrations/:id", title: "Calibration", nav: "calibrations", render: calibrationPage },
  { path: "/ui/usage", title: "Usage", nav: "usage", render: usagePage },
];

/** The paths the viewer answers (GET): declared public, since what they show comes from the API under the caller's key. */
export const paths = ["/", "/ui", "/ui/assets/:name", ...PAGES.map((page) => page.path)];

/** Only this service's own script, styles and data: no inline script, no other origin. */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const PARTIAL = "x-tickbox-partial";
/** The API status behind a partial that shows a problem (401: the shell asks for a key). */
const PROBLEM = "x-tickbox-problem";

/**
 * The viewer at /ui. A page is loaded in two steps: the browser gets a shell that holds no data,
 * and its script asks the same URL again with the `X-Tickbox-Partial` header and the key from
 * session storage; that request is rendered on the server from the /v1 API, called in process
 * with the caller's Authorization header (see `apiFor`), so every page shows exactly what that
 * key may read through the API. When the API answers 401 the shell asks for a key.
 */
export function register(app: App): void {
  app.get("/", (c) => c.redirect("/ui/batches"));
  app.get("/ui", (c) => c.redirect("/ui/batches"));
  app.get("/ui/assets/:name", (c) => {
    const asset = ASSETS[c.req.param("name")];
    if (!asset) return c.notFound();
    return c.body(asset.body, 200, { "content-type": asset.type, "cache-control": "public, max-age=31536000, immutable" });
  });
  for (const page of PAGES) {
    app.get(page.path, async (c) => {
      const headers = { "content-security-policy": CSP, "cache-control": "no-store", vary: PARTIAL, "x-content-type-options": "nosniff" };
      if (c.req.header(PARTIAL) !== "1") return c.html(<Shell title={page.title} nav={page.nav} />, 200, headers);
      try {
        return c.html(await page.render(apiFor(app, c), c), 200, headers);
      } catch (error) {
        if (!(error instanceof ApiProblem)) throw error;
        // The page rendered: its content is what the API said. The status travels in a header,
        // so that the browser does not log a failed request for an answer the page expects.
        return c.html(<ProblemView status={error.status} title={error.title} detail={error.detail} />, 200, { ...headers, [PROBLEM]: String(error.status) });
      }
    });
  }
}
