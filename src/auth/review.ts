import type { Logger } from "../log";
import type { KeyStore } from "../store/ports";
import { type ApiKeyRow, MADE_OPEN } from "../store/records";
import type { Authenticator } from "./principals";

const summary = (k: ApiKeyRow) => ({ id: k.id, name: k.name, tenant: k.tenant, scopes: k.scopes, created_at: k.createdAt });

/**
 * Start-up, on a server with an admin key: names the keys it does not honour (made, as far as the
 * database can tell, while the server had no admin key, so by anyone) and those made before key
 * makers were recorded, for the operator to review. Secrets are never logged; they are not kept.
 */
export async function reviewKeys(keys: KeyStore, auth: Authenticator, log: Logger): Promise<void> {
  if (auth.open) return;
  const live = await keys.listLive(undefined);
  const open = live.filter((k) => k.createdBy === MADE_OPEN);
  const unrecorded = live.filter((k) => k.createdBy === "unrecorded");
  if (open.length > 0) {
    log.warn(
      { keys: open.map(summary) },
      `${open.length} key(s) made on days the server had no admin key are not honoured: revoke them (DELETE /v1/keys/{id}) and make new ones`,
    );
  }
  if (unrecorded.length > 0) {
    log.warn({ keys: unrecorded.map(summary) }, `${unrecorded.length} key(s) were made before key makers were recorded: review them`);
  }
}
