import { env } from "cloudflare:workers";
import { openD1 } from "../../src/store/d1";
import { createSqlStores } from "../../src/store/sql-stores";
import { storeContract } from "../contract/stores";

storeContract("D1", async () => createSqlStores(openD1(env.DB)));
