import type { Context } from "hono";
import type { AppEnv } from "../env";
import type { RequestScope } from "../usage/meter";

/** The caller's tenant, meter and deadline, for the judge. */
export const scopeOf = (c: Context<AppEnv>): RequestScope => ({
  tenant: c.get("principal")?.tenant ?? "default",
  meter: c.get("meter"),
  deadline: Date.now() + c.get("services").limits.requestDeadlineMs,
});
