// No dead link in the docs: every relative link reaches a file of the repository and, when it names
// one, a heading of that page; every repository path the prose names in a code span, and every path
// a layout block lists, exists.
import { existsSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { describe, expect, it } from "vitest";
import { anchors, blocks, codeSpans, linkTargets, pages, prose, read, root } from "./markdown";

// Where the repository's own files live; a code span starting so names one.
const REPO_PATH = /^(src|test|bench|scripts|client|examples|migrations|schemas|bin|docs)\/[\w.\-/]*$/;
// Made by a build, not kept in git.
const BUILT = new Set(["client/dist"]);

describe("links in the docs", () => {
  for (const page of pages()) {
    it(`${page}: every relative link and anchor resolves`, () => {
      const markdown = read(page);
      const dead: string[] = [];
      for (const target of linkTargets(markdown)) {
        if (/^[a-z]+:/i.test(target)) continue; // http:, https:, mailto:
        const [path = "", anchor] = target.split("#");
        const file = path === "" ? page : normalize(join(dirname(page), path));
        if (file.startsWith("..") || !existsSync(join(root, file))) {
          dead.push(`${target}: no file ${file}`);
          continue;
        }
        if (anchor !== undefined && file.endsWith(".md") && !anchors(read(file)).has(anchor)) {
          dead.push(`${target}: no heading #${anchor} in ${file}`);
        }
      }
      expect(dead).toEqual([]);
    });

    it(`${page}: every repository path it names exists`, () => {
      const markdown = read(page);
      const named = codeSpans(prose(markdown)).filter((span) => REPO_PATH.test(span));
      for (const block of blocks(markdown)) {
        if (block.lang !== "text") continue;
        for (const line of block.text.split("\n")) {
          const first = line.split(/[\s,]+/)[0] ?? "";
          if (REPO_PATH.test(first)) named.push(first);
        }
      }
      const missing = named.filter((path) => !BUILT.has(path.replace(/\/$/, "")) && !existsSync(join(root, path)));
      expect(missing, `paths named in ${page} that the repository does not hold`).toEqual([]);
    });
  }
});
