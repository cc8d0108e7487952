import { createRoute, z } from "@hono/zod-openapi";
import { Scalar } from "@scalar/hono-api-reference";
import { stringify } from "yaml";
import type { Access } from "../../auth/access";
import { LIMIT_CEILINGS } from "../../config";
import type { App } from "../../env";
import { contractOf, declarationsOf } from "../operation";

/** Where /docs loads the API reference's script from: this service, never a CDN (see docs-script.ts). */
export const DOCS_SCRIPT_PATH = "/docs/scalar.js";

export const API_INFO = {
  openapi: "3.1.0",
  info: {
    title: "tickbox",
    version: "0.1.0",
    description: `A checklist-based LLM judge. Given an instruction it writes a checklist of YES/NO questions (TICK), asks a judge model each question about a response, and turns the answers into scores. Every upstream call is cached. Errors are RFC 9457 problem+json. Every \`maxLength\` counts characters (Unicode code points, an emoji is one), as JSON Schema does; the \`maxLength\` of texts (${LIMIT_CEILINGS.textChars}) and \`maxItems\` of \`candidates\` (${LIMIT_CEILINGS.candidates}) and checklist \`items\` (${LIMIT_CEILINGS.checklistItems}) are the ceilings of the server's configured limits (TICKBOX_MAX_TEXT_CHARS, TICKBOX_MAX_CANDIDATES, TICKBOX_MAX_CHECKLIST_ITEMS), past which a request is a \`limit_exceeded\`. Each operation's \`security\` lists the key scopes it needs, and \`x-access\` its whole access declaration: the objects it reads and the scope each needs, whether it may spend upstream tokens, its body and whether repeats are replayed.`,
    license: { name: "MIT", identifier: "MIT" },
  },
  security: [{ bearer: [] }],
};

/** The app's OpenAPI 3.1 document, each operation carrying its access declaration. */
export function openApiDocument(app: App) {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "An API key, or TICKBOX_ADMIN_KEY. Needed by every operation whose `security` lists it when TICKBOX_ADMIN_KEY is set.",
  });
  const doc = app.getOpenAPI31Document(API_INFO);
  const declarations = declarationsOf(app);
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const [method, operation] of Object.entries(item as Record<string, object>)) {
      const access = declarations.get(`${method.toUpperCase()} ${path.replaceAll(/\/{(.+?)}/g, "/:$1")}`);
      if (access) Object.assign(operation, contractOf(access));
    }
  }
  return doc;
}

/** The document as YAML: what `npm run openapi` commits and `/openapi.yaml` serves. */
export function openApiYaml(app: App): string {
  return stringify(openApiDocument(app), { aliasDuplicateObjects: false, lineWidth: 0 });
}

export const route = createRoute({
  method: "get",
  path: "/docs",
  hide: true,
  summary: "The API reference, rendered from /openapi.yaml",
  responses: { 200: { description: "An HTML page.", content: { "text/html": { schema: z.string() } } } },
});

export const access: Access = { auth: "public" };

// Everything the page needs comes from this service: the script, the document, and system fonts
// rather than Scalar's font server; no telemetry, no hosted assistant, and none of the vendor's
// tool bars, which it shows on localhost.
const page = Scalar({
  url: "/openapi.yaml",
  pageTitle: "tickbox API",
  cdn: DOCS_SCRIPT_PATH,
  withDefaultFonts: false,
  telemetry: false,
  agent: { disabled: true },
  showDeveloperTools: "never",
  // Known to the served script (1.76), newer than this middleware's types.
  ...({ showToolbar: "never" } as object),
});

export function register(app: App) {
  app.get("/docs", page);
}
