import { readFileSync } from "node:fs";
import type { TickboxClient } from "../../client/src/index";
import { connect } from "./connection";
import { CliError, EXIT } from "./exit";

/** An argument as given, or a file's contents when it is written `@path`. */
export function textArg(value: string): string {
  if (!value.startsWith("@")) return value;
  try {
    return readFileSync(value.slice(1), "utf8");
  } catch (error) {
    throw new CliError(EXIT.input, `cannot read ${value.slice(1)}: ${(error as Error).message}`);
  }
}

/** Sends one case to the server (`send` makes the call) and prints its JSON answer. */
export async function postCase(server: string, apiKey: string | undefined, send: (client: TickboxClient) => Promise<unknown>): Promise<number> {
  const connection = await connect({ server, apiKey });
  try {
    process.stdout.write(`${JSON.stringify(await send(connection.client))}\n`);
    return EXIT.ok;
  } finally {
    await connection.close();
  }
}
