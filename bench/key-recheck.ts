// What re-checking a batch's key before each upstream call costs: the lookup a batch item makes
// right before each call (Authenticator.refusal, one select by primary key on a SQLite file in WAL
// mode, as on a running server), timed over many calls, and set beside the 20 ms upstream call of
// P7 it precedes. Also the admission of a key made by a key (its lineage: one recursive select)
// beside that of a key the operator made.
//   npx tsx bench/key-recheck.ts
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hashSecret } from "../src/auth/secrets";
import { parseConfig } from "../src/config";
import { buildServices } from "../src/services";
import { openSqlite } from "../src/store/sqlite";
import { createSqlStores } from "../src/store/sql-stores";

const CALLS = 20_000;
const UPSTREAM_MS = 20;

const dir = mkdtempSync(join(tmpdir(), "tickbox-recheck-"));
const database = openSqlite(join(dir, "bench.db"));
const services = buildServices(parseConfig({ TICKBOX_DB: join(dir, "bench.db"), TICKBOX_ADMIN_KEY: "bench-admin-key-0123456789" }), createSqlStores(database));
const { keys } = services;
const { auth } = services.access;
const key = (id: string, createdBy: string) => ({
  id,
  name: id,
  tenant: "acme",
  scopes: ["admin" as const],
  rateLimitRpm: 600,
  dailyTokenBudget: 1_000_000,
  createdAt: Math.floor(Date.now() / 1000),
  revokedAt: null,
  createdBy,
});
await keys.create({ ...key("key_top", "operator"), keyHash: await hashSecret("tbx_top") });
await keys.create({ ...key("key_mid", "key_top"), keyHash: await hashSecret("tbx_mid") });
await keys.create({ ...key("key_low", "key_mid"), keyHash: await hashSecret("tbx_low") });

async function perCallUs(task: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 2_000; i++) await task();
  const started = performance.now();
  for (let i = 0; i < CALLS; i++) await task();
  return ((performance.now() - started) * 1000) / CALLS;
}

const recheck = await perCallUs(() => auth.refusal({ tenant: "acme", keyId: "key_low" }));
const operatorMade = await perCallUs(() => auth.fromAuthorization("Bearer tbx_top"));
const twoAbove = await perCallUs(() => auth.fromAuthorization("Bearer tbx_low"));
console.log("| measure | µs | ratio |\n|---|---|---|");
console.log(`| re-check before an upstream call ÷ a ${UPSTREAM_MS} ms call | ${recheck.toFixed(1)} | ${(recheck / (UPSTREAM_MS * 1000)).toFixed(5)} |`);
console.log(
  `| admission of a key two levels below the operator's ÷ one the operator made | ${twoAbove.toFixed(1)} / ${operatorMade.toFixed(1)} | ${(twoAbove / operatorMade).toFixed(2)} |`,
);
database.close();
rmSync(dir, { recursive: true, force: true });
