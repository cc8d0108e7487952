import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/**
 * The API reference's browser bundle, read once from the installed @scalar/api-reference package
 * (its package exports do not name the file, so it is found beside the package's entry).
 */
export function nodeDocsScript(): () => Promise<string> {
  let script: Promise<string> | undefined;
  return () => {
    script ??= readFile(join(dirname(createRequire(import.meta.url).resolve("@scalar/api-reference")), "browser", "standalone.js"), "utf8");
    return script;
  };
}
