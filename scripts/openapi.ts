// Writes openapi.yaml from the route declarations (`write`), or fails when the committed file
// differs from what the code declares (`check`, run in CI).
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { createApp } from "../src/app";
import { parseConfig } from "../src/config";
import { openApiYaml } from "../src/routes/system/docs";
import { buildServices } from "../src/services";
import { openSqlite } from "../src/store/sqlite";
import { createSqlStores } from "../src/store/sql-stores";

const file = resolve(import.meta.dirname, "../openapi.yaml");
const database = openSqlite(":memory:");
const generated = openApiYaml(createApp(buildServices(parseConfig({}), createSqlStores(database))));
database.close();

const mode = process.argv[2];
if (mode === "write") {
  writeFileSync(file, generated);
  console.log(`wrote ${file}`);
} else if (mode === "check") {
  let committed = "";
  try {
    committed = readFileSync(file, "utf8");
  } catch {
    // a missing file differs
  }
  if (committed !== generated) {
    console.error("openapi.yaml differs from the route declarations: run `npm run openapi` and commit it");
    process.exit(1);
  }
  console.log("openapi.yaml matches the route declarations");
} else {
  console.error("usage: tsx scripts/openapi.ts write|check");
  process.exit(2);
}
