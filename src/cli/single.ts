import { readFileSync } from "node:fs";

/** An argument as given, or a file's contents when it is written `@path`. */
export function textArg(value: string): string {
  return value.startsWith("@") ? readFileSync(value.slice(1), "utf8") : value;
}

/**
 * POSTs one case to a server route and prints the JSON answer; a problem is printed to stderr
 * (exit 1). Selections and comparisons are served by their own routes on the server.
 */
export async function postCase(server: string, path: string, body: unknown): Promise<number> {
  const url = `${server.replace(/\/+$/, "")}${path}`;
  let res: Response;
  try {
    res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  } catch (error) {
    process.stderr.write(`cannot reach ${url}: ${(error as Error).message}\n`);
    return 1;
  }
  const text = await res.text();
  if (!res.ok) {
    process.stderr.write(`${res.status} from ${url}\n${text}\n`);
    return 1;
  }
  process.stdout.write(`${text}\n`);
  return 0;
}
