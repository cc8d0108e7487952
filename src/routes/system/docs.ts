import { Scalar } from "@scalar/hono-api-reference";
import { stringify } from "yaml";
import type { App } from "../../env";
import { ProblemError, type ProblemCode, problemCatalog } from "../../errors";

/** Where /docs loads the API reference's script from: this service, never a CDN. */
const DOCS_SCRIPT_PATH = "/docs/scalar.js";

export const API_INFO = {
  openapi: "3.1.0",
  info: {
    title: "tickbox",
    version: "0.1.0",
    description:
      "A checklist-based LLM judge. Given an instruction it writes a checklist of YES/NO questions (TICK), asks a judge model each question about a response, and turns the answers into scores. Every upstream call is cached. Errors are RFC 9457 problem+json.",
    license: { name: "MIT", identifier: "MIT" },
  },
  security: [{ bearer: [] }],
};

/** The OpenAPI 3.1 document of an app, as YAML: what `npm run openapi` commits and `/openapi.yaml` serves. */
export function openApiYaml(app: App): string {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "An API key, or TICKBOX_ADMIN_KEY. Needed on /v1 routes when TICKBOX_ADMIN_KEY is set.",
  });
  return stringify(app.getOpenAPI31Document(API_INFO), { aliasDuplicateObjects: false, lineWidth: 0 });
}

export function register(app: App) {
  let yaml: string | undefined;
  app.get("/openapi.yaml", (c) => {
    yaml ??= openApiYaml(app);
    return c.body(yaml, 200, { "content-type": "application/yaml; charset=utf-8" });
  });
  // Everything the page needs comes from this service: the script, the document, and system
  // fonts rather than Scalar's font server; no telemetry, no hosted assistant, and none of the
  // vendor's tool bars, which it shows on localhost.
  app.get(
    "/docs",
    Scalar({
      url: "/openapi.yaml",
      pageTitle: "tickbox API",
      cdn: DOCS_SCRIPT_PATH,
      withDefaultFonts: false,
      telemetry: false,
      agent: { disabled: true },
      showDeveloperTools: "never",
      // Known to the served script (1.76), newer than this middleware's types.
      ...({ showToolbar: "never" } as object),
    }),
  );
  app.get(DOCS_SCRIPT_PATH, async (c) => {
    const load = c.get("services").docsScript;
    if (!load) throw new ProblemError("not_implemented", "this deployment was built without the API reference's script");
    return c.body(await load(), 200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "public, max-age=86400" });
  });
  app.get("/problems/:code", (c) => {
    const code = c.req.param("code");
    if (!Object.hasOwn(problemCatalog, code)) return c.notFound();
    const { status, title } = problemCatalog[code as ProblemCode];
    return c.json({ code, status, title });
  });
}
