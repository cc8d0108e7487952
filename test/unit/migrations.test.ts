// Migrations are applied by drizzle's migrator on Node (it applies every journal entry newer than
// the newest one the database has, by its "when") and by wrangler on D1 (by file name). Both agree
// only when names, journal order and times all go the same way; a database left by any earlier
// version must then upgrade to the whole schema.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { describe, expect, it } from "vitest";
import { migrationsFolder } from "../../src/store/sqlite";
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
  const objects = db.prepare("SELECT type, name, tbl_name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name").all() as { type: string; name: string; tbl_name: string }[];
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
    const files = readdirSync(migrationsFolder).filter((f) => f.endsWith(".sql")).sort();
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
