import type { Access } from "../../auth/access";
import { noUsage } from "../../llm/usage";
import { checklistView } from "../../judge/judge";
import { getById } from "../by-id";
import { contextOf } from "../operation";
import { Checklist } from "../schemas";

export const access: Access = { auth: "key", scopes: ["evaluate"], objects: { path: "checklist" }, spends: false };

export const { route, register } = getById(
  { path: "/v1/checklists/{id}", tag: "checklists", summary: "Get a checklist", idPrefix: "cl", ok: { description: "The checklist.", schema: Checklist } },
  async (id, c) => checklistView(await c.get("services").judge.checklistById(id, contextOf(c)), true, noUsage()),
);
