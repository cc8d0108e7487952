import { createSqlStores } from "../../src/store/sql-stores";
import { openSqlite } from "../../src/store/sqlite";
import { storeContract } from "./stores";

const database = openSqlite(":memory:");
storeContract("better-sqlite3", async () => createSqlStores(database));
