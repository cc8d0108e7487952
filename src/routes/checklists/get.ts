import { createRoute } from "@hono/zod-openapi";
import type { Access } from "../../auth/access";
import type { App } from "../../env";
import { contextOf } from "../operation";
import { checklistView } from "../../judge/judge";
import { noUsage } from "../../llm/usage";
import { Checklist, IdParam, commonErrors, notFound } from "../schemas";

export const route = createRoute({
  method: "get",
  path: "/v1/checklists/{id}",
  tags: ["checklists"],
  summary: "Get a checklist",
  request: { params: IdParam("cl") },
  responses: {
    200: { description: "The checklist.", content: { "application/json": { schema: Checklist } } },
    ...notFound,
    500: commonErrors[500],
  },
});

export const access: Access = { auth: "key", scopes: ["evaluate"], objects: { path: "checklist" }, spends: false };

export function register(app: App) {
  return app.openapi(route, async (c) => {
    const row = await c.get("services").judge.checklistById(c.req.valid("param").id, contextOf(c));
    return c.json(checklistView(row, true, noUsage()), 200);
  });
}
