// Migrations are applied by drizzle's migrator on Node (it applies every journal entry newer than
// the newest one the database has, by its "when") and by wrangler on D1 (by file name). Both agree
// only when names, journal order and times all go the same way; a database left by any earlier
// version must then upgrade to the whole schema.
import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { describe, expect, it } from "vitest";
import { createSqlStores } from "../../src/store/sql-stores";
import { migrationsFolder, openSqlite } from "../../src/store/sqlite";
import { useTempDirs } from "../support/temp-dirs";

interface Entry {
  idx: number;
  when: number;
  tag: string;
}
const journal: { entries: Entry[] } = JSON.parse(readFileSync(join(migrationsFolder, "meta/_journal.json"), "utf8"));
const entries = journal.entries;

/** The schema a database ends with: every table's columns and every index, by name. */
function schemaOf(db: Database.Database): string[] {
  const objects = db.prepare("SELECT type, name, tbl_name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name").all() as {
    type: string;
    name: string;
    tbl_name: string;
  }[];
  return objects.flatMap((o) =>
    o.type === "table"
      ? (db.prepare(`SELECT name FROM pragma_table_info(?) ORDER BY name`).all(o.name) as { name: string }[]).map((c) => `column ${o.name}.${c.name}`)
      : [`${o.type} ${o.name} on ${o.tbl_name}`],
  );
}

describe("migrations", () => {
  const tempDir = useTempDirs("tickbox-migrations-");

  it("are numbered 0, 1, 2 … in journal order, named by their number, with times that only go up, one file each", () => {
    entries.forEach((e, i) => {
      expect(e.idx).toBe(i);
      expect(e.tag.startsWith(`${String(i).padStart(4, "0")}_`)).toBe(true);
      if (i > 0) expect(e.when).toBeGreaterThan(entries[i - 1]!.when);
    });
    const files = readdirSync(migrationsFolder)
      .filter((f) => f.endsWith(".sql"))
      .sort();
    expect(files).toEqual(entries.map((e) => `${e.tag}.sql`));
  });

  it("bring a database left by any earlier version to the whole schema", () => {
    const whole = new Database(":memory:");
    migrate(drizzle(whole), { migrationsFolder });
    const expected = schemaOf(whole);
    for (let k = 1; k < entries.length; k++) {
      // The migrations folder as a version with only the first k migrations shipped it.
      const earlier = join(tempDir(), `upto-${k}`);
      mkdirSync(join(earlier, "meta"), { recursive: true });
      for (const e of entries.slice(0, k)) copyFileSync(join(migrationsFolder, `${e.tag}.sql`), join(earlier, `${e.tag}.sql`));
      writeFileSync(join(earlier, "meta/_journal.json"), JSON.stringify({ ...journal, entries: entries.slice(0, k) }));
      const file = join(tempDir(), `db-${k}.sqlite`);
      const old = new Database(file);
      migrate(drizzle(old), { migrationsFolder: earlier });
      old.close();
      const upgraded = new Database(file);
      migrate(drizzle(upgraded), { migrationsFolder });
      expect(schemaOf(upgraded), `a database of the first ${k} migrations`).toEqual(expected);
      upgraded.close();
    }
  });
});

describe("processes starting at once on a new file", () => {
  const tempDir = useTempDirs("tickbox-migrations-");
  // An operator starting two servers (or a server and the CLI) on one new file: each opens it and
  // migrates in the same few milliseconds, all released together at one instant.
  it("all start, and the file has the whole schema once", { timeout: 60_000 }, async () => {
    const file = join(tempDir(), "together.db");
    const at = Date.now() + 4_000;
    const code = `import { openSqlite } from ${JSON.stringify(join(migrationsFolder, "../src/store/sqlite.ts"))};
      while (Date.now() < ${at}) {}
      openSqlite(${JSON.stringify(file)}).close();`;
    const exits = await Promise.all(
      Array.from({ length: 8 }, () => {
        const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { stdio: ["ignore", "ignore", "pipe"] });
        let err = "";
        child.stderr.on("data", (d) => (err += d));
        return new Promise<string>((done) => child.on("exit", (status) => done(status === 0 ? "ok" : `exit ${status}: ${err.slice(0, 400)}`)));
      }),
    );
    expect(exits).toEqual(Array(8).fill("ok"));
    const together = new Database(file);
    const whole = new Database(":memory:");
    migrate(drizzle(whole), { migrationsFolder });
    expect(schemaOf(together)).toEqual(schemaOf(whole));
    expect((together.prepare("SELECT count(*) AS n FROM __drizzle_migrations").get() as { n: number }).n).toBe(entries.length);
    together.close();
    whole.close();
  });
});

describe("migration 0005 (tenant columns)", () => {
  const tempDir = useTempDirs("tickbox-migration-0005-");
  const tenants = ["acme", "globex"] as const;

  /** A database as the version before 0005 left it, with rows of both tenants in every tenant-owned table. */
  function before0005(file: string) {
    const k = entries.findIndex((e) => e.tag.startsWith("0005_"));
    const earlier = join(tempDir(), "upto-0005");
    mkdirSync(join(earlier, "meta"), { recursive: true });
    for (const e of entries.slice(0, k)) copyFileSync(join(migrationsFolder, `${e.tag}.sql`), join(earlier, `${e.tag}.sql`));
    writeFileSync(join(earlier, "meta/_journal.json"), JSON.stringify({ ...journal, entries: entries.slice(0, k) }));
    const old = new Database(file);
    migrate(drizzle(old), { migrationsFolder: earlier });
    const usage = JSON.stringify({ upstream_calls: 1, prompt_tokens: 5, completion_tokens: 2 });
    for (const t of tenants) {
      old
        .prepare(
          "INSERT INTO checklists (id, tenant, fingerprint, content_hash, instruction, items, source, usage) VALUES (?, ?, 'fp-shared', 'h', 'Say hi.', ?, 'provided', ?)",
        )
        .run(`cl_${t}`, t, JSON.stringify([{ id: "q1", question: `Greets ${t}?`, weight: 100, must_pass: true }]), usage);
      old
        .prepare(
          "INSERT INTO evaluations (id, tenant, fingerprint, checklist_id, instruction, response, results, signal, model, prompt_version, usage) VALUES (?, ?, 'fp-grading', ?, 'Say hi.', 'Hello', ?, 'none', 'm', 'v', ?)",
        )
        .run(`ev_${t}`, t, `cl_${t}`, JSON.stringify([{ item_id: "q1", verdict: "YES", rationale: t, p_yes: null }]), usage);
      old.prepare("INSERT INTO calibrations (id, tenant, name, kind, profile) VALUES (?, ?, ?, 'pointwise', '{}')").run(`cb_${t}`, t, `profile of ${t}`);
      old.prepare("INSERT INTO batches (id, tenant, status, total, concurrency, created_at) VALUES (?, ?, 'completed', 1, 1, 1)").run(`ba_${t}`, t);
      old
        .prepare("INSERT INTO batch_items (batch_id, idx, status, request) VALUES (?, 0, 'pending', ?)")
        .run(`ba_${t}`, JSON.stringify({ instruction: t, response: t }));
      old
        .prepare("INSERT INTO api_keys (id, name, tenant, scopes, key_hash, created_by) VALUES (?, ?, ?, '[\"evaluate\"]', ?, 'operator')")
        .run(`key_${t}`, t, t, `hash-${t}`);
      old.prepare("INSERT INTO usage_daily (key_id, day, model, tenant, requests) VALUES (?, '2026-01-01', '', ?, 3)").run(`key_${t}`, t);
      // The tenant of a cached comparison or revision was hashed into its fingerprint.
      old
        .prepare("INSERT INTO comparisons (id, fingerprint, better, rationale, model, prompt_version, usage) VALUES (?, ?, 'FIRST', ?, 'm', 'v', ?)")
        .run(`cmp_${t}`, `fp-${t}`, t, usage);
      old
        .prepare("INSERT INTO revisions (id, fingerprint, revision, model, prompt_version, usage) VALUES (?, ?, ?, 'm', 'v', ?)")
        .run(`rv_${t}`, `fp-${t}`, t, usage);
    }
    old.close();
  }

  it("keeps each tenant's rows, visible to that tenant only, and hands no cached comparison or revision to anyone", async () => {
    const file = join(tempDir(), "two-tenants.sqlite");
    before0005(file);
    const database = openSqlite(file); // applies the migrations from 0005 on
    const stores = createSqlStores(database);
    for (const [t, other] of [tenants, [...tenants].reverse()] as const) {
      const checklist = await stores.judge.checklistById(t, `cl_${t}`);
      expect(checklist?.items[0]?.question).toBe(`Greets ${t}?`);
      expect(await stores.judge.checklistById(other, `cl_${t}`)).toBeUndefined();
      expect((await stores.judge.checklistByFingerprint(t, "fp-shared"))?.id).toBe(`cl_${t}`);
      expect((await stores.judge.evaluationById(t, `ev_${t}~0.8`))?.results[0]?.rationale).toBe(t);
      expect(await stores.judge.evaluationById(other, `ev_${t}`)).toBeUndefined();
      expect((await stores.calibrations.calibrationById(t, `cb_${t}`))?.name).toBe(`profile of ${t}`);
      expect(await stores.calibrations.calibrationById(other, `cb_${t}`)).toBeUndefined();
      expect((await stores.listings.checklists(t, {}, null, 10)).rows.map((r) => r.id)).toEqual([`cl_${t}`]);
      expect((await stores.listings.evaluations(t, {}, null, 10)).rows.map((r) => r.id)).toEqual([`ev_${t}`]);
      expect((await stores.listings.calibrations(t, {}, null, 10)).rows.map((r) => r.id)).toEqual([`cb_${t}`]);
      expect((await stores.listings.batches(t, {}, null, 10)).rows.map((r) => r.id)).toEqual([`ba_${t}`]);
      expect((await stores.batches.batchById(`ba_${t}`))?.tenant).toBe(t);
      expect((await stores.batches.counts(`ba_${t}`)).pending).toBe(1);
      expect((await stores.keys.listLive(t)).map((k) => k.id)).toEqual([`key_${t}`]);
      expect((await stores.usage.list({ tenant: t })).map((u) => [u.keyId, u.requests])).toEqual([[`key_${t}`, 3]]);
      for (const tenant of [t, other, "*"]) {
        expect(await stores.pairwise.comparisonByFingerprint(tenant, `fp-${t}`)).toBeUndefined();
        expect(await stores.pairwise.revisionByFingerprint(tenant, `fp-${t}`)).toBeUndefined();
      }
    }
    database.close();
  });
});
