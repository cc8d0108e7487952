import { Scalar } from "@scalar/hono-api-reference";
import { stringify } from "yaml";
import type { App } from "../../env";
import { type ProblemCode, problemCatalog } from "../../errors";

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
  app.get("/docs", Scalar({ url: "/openapi.yaml", pageTitle: "tickbox API" }));
  app.get("/problems/:code", (c) => {
    const code = c.req.param("code");
    if (!Object.hasOwn(problemCatalog, code)) return c.notFound();
    const { status, title } = problemCatalog[code as ProblemCode];
    return c.json({ code, status, title });
  });
}
