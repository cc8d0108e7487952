import { z } from "@hono/zod-openapi";
import type { ApiKeyRow } from "../../store/records";
import { SCOPES } from "../../store/records";

export const Scope = z.enum(SCOPES);

export const KeyInfo = z
  .object({
    id: z.string().openapi({ example: "key_9Jx2mQ0aLk3vB7tR" }),
    name: z.string(),
    tenant: z.string(),
    scopes: z.array(Scope),
    rate_limit_rpm: z.number().int().nullable(),
    daily_token_budget: z.number().int().nullable(),
    created_at: z.number().int().openapi({ description: "Unix seconds." }),
    created_by: z.string().nullable().openapi({
      description:
        '"operator" (TICKBOX_ADMIN_KEY) or the id of the tenant admin key that made it. "unrecorded": made before this was recorded, on a day the server had an admin key. "open": made before this was recorded, on a day the server was open or nothing shows it had an admin key; not honoured.',
    }),
  })
  .openapi("ApiKey");

export const keyInfo = (row: ApiKeyRow): z.infer<typeof KeyInfo> => ({
  id: row.id,
  name: row.name,
  tenant: row.tenant,
  scopes: row.scopes,
  rate_limit_rpm: row.rateLimitRpm,
  daily_token_budget: row.dailyTokenBudget,
  created_at: row.createdAt,
  created_by: row.createdBy,
});
