// Keys made by earlier versions, which did not record who made them: on a database that served
// open requests the day a key was made, anyone may have made it (an open server handed keys out),
// so migration 0003 marks it and a secure server does not honour it; start-up names it for review.
// Nor is one honoured when nothing shows the server had an admin key the day it was made (a key
// made on an open server killed before its usage was written leaves no open usage either): earlier
// versions booked every request on a secure server to the operator or a key, never to "open".
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { describe, expect, it } from "vitest";
import { hashSecret } from "../../src/auth/secrets";
import { reviewKeys } from "../../src/auth/review";
import { migrationsFolder } from "../../src/store/sqlite";
import { ADMIN_KEY, bearer, useFakeUpstream } from "../support/file-fake";
import { makeApp, upstreamEnv } from "../support/harness";
import { useTempDirs } from "../support/temp-dirs";

const fake = useFakeUpstream();
const tempDir = useTempDirs("tickbox-origins-");

/** A database as the version before 0003 left it: only the migrations it knew applied. */
function databaseBefore0003(file: string) {
  const folder = join(tempDir(), "migrations");
  mkdirSync(join(folder, "meta"), { recursive: true });
  const journal = JSON.parse(readFileSync(join(migrationsFolder, "meta/_journal.json"), "utf8"));
  journal.entries = journal.entries.filter((e: { idx: number }) => e.idx < 3);
  writeFileSync(join(folder, "meta/_journal.json"), JSON.stringify(journal));
  for (const { tag } of journal.entries) copyFileSync(join(migrationsFolder, `${tag}.sql`), join(folder, `${tag}.sql`));
  const sqlite = new Database(file);
  migrate(drizzle(sqlite), { migrationsFolder: folder });
  return sqlite;
}

const day = (unix: number) => new Date(unix * 1000).toISOString().slice(0, 10);

describe("keys made before their maker was recorded", () => {
  it("are not honoured when made on a day the database served open requests, and are listed at start-up", async () => {
    const file = join(tempDir(), "old.db");
    const sqlite = databaseBefore0003(file);
    const openDay = 1_790_000_000; // a day the server ran without an admin key
    const secureDay = openDay + 3 * 86_400; // the operator used its admin key
    const keyedDay = openDay + 5 * 86_400; // only a key was used
    const silentDay = openDay + 7 * 86_400; // nothing was booked: a server killed before writing usage
    const insertKey = sqlite.prepare("insert into api_keys (id, name, tenant, scopes, key_hash, created_at) values (?, ?, ?, ?, ?, ?)");
    insertKey.run("key_open", "made by anyone", "default", '["admin"]', await hashSecret("tbx_open_secret"), openDay + 60);
    insertKey.run("key_operator", "made by the operator", "acme", '["evaluate"]', await hashSecret("tbx_operator_secret"), secureDay);
    insertKey.run("key_delegate", "made by a tenant's admin key", "acme", '["evaluate"]', await hashSecret("tbx_delegate_secret"), keyedDay);
    insertKey.run("key_silent", "made on a day nothing shows", "default", '["admin"]', await hashSecret("tbx_silent_secret"), silentDay);
    const usage = sqlite.prepare("insert into usage_daily (key_id, day, model, tenant, requests) values (?, ?, '', ?, 3)");
    usage.run("open", day(openDay), "default");
    usage.run("admin", day(secureDay), "default");
    usage.run("key_operator", day(keyedDay), "acme");
    sqlite.close();

    const t = makeApp({ ...upstreamEnv(fake), TICKBOX_DB: file, TICKBOX_ADMIN_KEY: ADMIN_KEY });
    const made = Object.fromEntries((await t.services.keys.listLive(undefined)).map((k) => [k.id, k.createdBy]));
    expect(made).toEqual({ key_open: "open", key_operator: "unrecorded", key_delegate: "unrecorded", key_silent: "open" });

    for (const secret of ["tbx_open_secret", "tbx_silent_secret"]) {
      const refused = await t.send("GET", "/v1/keys", undefined, bearer(secret));
      expect(refused.status).toBe(401);
      expect(refused.json.detail).toMatch(/no admin key.*not honoured/);
    }
    const evaluation = { instruction: "Hi.", response: "Hello.", checklist: { items: [{ question: "Does it greet?" }] } };
    expect((await t.post("/v1/evaluations", evaluation, bearer("tbx_operator_secret"))).status).toBe(200);
    expect((await t.post("/v1/evaluations", evaluation, bearer("tbx_delegate_secret"))).status).toBe(200);

    const warnings: { fields: Record<string, unknown>; message?: string }[] = [];
    const log = { info() {}, error() {}, request() {}, warn: (fields: Record<string, unknown>, message?: string) => void warnings.push({ fields, message }) };
    await reviewKeys(t.services.keys, t.services.access.auth, log);
    expect(warnings.map((w) => (w.fields.keys as { id: string }[]).map((k) => k.id))).toEqual([
      ["key_open", "key_silent"],
      ["key_operator", "key_delegate"],
    ]);
    expect(warnings[0]!.message).toMatch(/not honoured/);
    expect(JSON.stringify(warnings)).not.toContain("secret");
  });
});
