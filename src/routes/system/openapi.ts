import { createRoute, z } from "@hono/zod-openapi";
import type { Access } from "../../auth/access";
import type { App } from "../../env";
import { openApiYaml } from "./docs";

export const route = createRoute({
  method: "get",
  path: "/openapi.yaml",
  hide: true,
  summary: "This contract, as YAML",
  responses: { 200: { description: "OpenAPI 3.1.", content: { "application/yaml": { schema: z.string() } } } },
});

export const access: Access = { auth: "public" };

export function register(app: App) {
  let yaml: string | undefined;
  app.get("/openapi.yaml", (c) => {
    yaml ??= openApiYaml(app);
    return c.body(yaml, 200, { "content-type": "application/yaml; charset=utf-8" });
  });
}
