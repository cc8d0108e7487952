// Reading the project's Markdown as the docs tests need it: fenced blocks with their info strings,
// shell blocks cut into commands, tables, links and GitHub's heading anchors.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";

export const root = resolve(import.meta.dirname, "../..");

/** README.md, then every page under docs/, as paths relative to the repository. */
export function pages(): string[] {
  const docs = readdirSync(resolve(root, "docs"))
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => `docs/${name}`);
  return ["README.md", ...docs];
}

export const read = (page: string) => readFileSync(resolve(root, page), "utf8");

export interface Block {
  /** The language: the first word of the info string (`sh`, `json`, …), "" for none. */
  lang: string;
  /** The rest of the info string: `no-run: <why>`, `output`. */
  meta: string;
  text: string;
  /** 1-based line of the opening fence. */
  line: number;
}

/** The fenced code blocks of a page, in order. */
export function blocks(markdown: string): Block[] {
  const out: Block[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,})(.*)$/.exec(lines[i]!);
    if (!open) continue;
    // CommonMark ends an info string at a backtick: such a line would not open a block.
    if (open[3]!.includes("`")) throw new Error(`line ${i + 1}: a backtick in a fence's info string`);
    const fence = open[2]!;
    const info = open[3]!.trim();
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !new RegExp(`^\\s*${fence}\\s*$`).test(lines[j]!); j++) body.push(lines[j]!);
    const [lang = "", ...rest] = info.split(/\s+/);
    out.push({ lang, meta: rest.join(" "), text: body.join("\n"), line: i + 1 });
    i = j;
  }
  return out;
}

/** The reason a block is not run (`sh no-run: <reason>`), or null when it is to be run. */
export function noRunReason(block: Block): string | null {
  const m = /^no-run(?::\s*(.*))?$/.exec(block.meta);
  return m ? (m[1] ?? "").trim() : null;
}

/**
 * Cuts a shell block into commands as bash would read them: a command ends at a newline outside
 * quotes, unless the line ends with `\` or bash cannot parse what came so far (a loop's first
 * line), and a here-document runs to its terminator. Comment lines and blank lines between
 * commands are dropped.
 */
export function commands(script: string): string[] {
  const out: string[] = [];
  let current = "";
  let quote: "'" | '"' | null = null;
  let heredoc: string | null = null;
  for (const line of script.split("\n")) {
    if (heredoc !== null) {
      current += `${line}\n`;
      if (line === heredoc) {
        heredoc = null;
        out.push(current.trimEnd());
        current = "";
      }
      continue;
    }
    if (quote === null && current === "" && (line.trim() === "" || line.trim().startsWith("#"))) continue;
    let continued = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i]!;
      if (quote === "'") {
        if (ch === "'") quote = null;
      } else if (ch === "\\") {
        if (i === line.length - 1) continued = true;
        i++;
      } else if (quote === '"') {
        if (ch === '"') quote = null;
      } else if (ch === "'" || ch === '"') {
        quote = ch;
      } else if (ch === "#" && (i === 0 || /\s/.test(line[i - 1]!))) {
        break; // a comment runs to the end of the line
      } else if (ch === "<" && line[i + 1] === "<") {
        // `<<<` is a here-string, `<<WORD` or `<<'WORD'` a here-document
        const m = line[i + 2] === "<" ? null : /^<<-?\s*(['"]?)(\w+)\1/.exec(line.slice(i));
        if (m) heredoc = m[2]!;
        i += line[i + 2] === "<" ? 2 : 1;
      }
    }
    current += `${line}\n`;
    if (quote === null && !continued && heredoc === null && parses(current)) {
      out.push(current.trimEnd());
      current = "";
    }
  }
  if (quote !== null || heredoc !== null || current.trim()) {
    throw new Error(`an incomplete command (${quote ? `quote ${quote}` : heredoc ? `here-document ${heredoc}` : "bash -n"}):\n${current}`);
  }
  return out;
}

/** Whether bash reads `text` as complete commands (a `for … do` line alone is not). */
const parses = (text: string) => spawnSync("bash", ["-n"], { input: text }).status === 0;

/** The rows of the first table under `heading` (a line of the page, e.g. `## Configuration`), as cells. */
export function tableAfter(markdown: string, heading: string): string[][] {
  const lines = markdown.split("\n");
  const start = lines.findIndex((l) => l.trim() === heading);
  if (start < 0) throw new Error(`no heading ${heading}`);
  let i = start + 1;
  while (i < lines.length && !lines[i]!.startsWith("|")) {
    if (/^#{1,6} /.test(lines[i]!)) throw new Error(`no table under ${heading}`);
    i++;
  }
  const rows: string[][] = [];
  for (; i < lines.length && lines[i]!.startsWith("|"); i++) {
    const cells = splitRow(lines[i]!);
    if (cells.every((c) => /^:?-+:?$/.test(c))) continue;
    rows.push(cells);
  }
  return rows.slice(1); // the header row
}

/** A table row's cells; a `|` inside backticks or escaped (`\|`) belongs to its cell. */
function splitRow(line: string): string[] {
  const cells: string[] = [];
  let cell = "";
  let code = false;
  for (let i = 1; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === "\\" && line[i + 1] === "|") {
      cell += "|";
      i++;
    } else if (ch === "`") {
      code = !code;
      cell += ch;
    } else if (ch === "|" && !code) {
      cells.push(cell.trim());
      cell = "";
    } else cell += ch;
  }
  return cells;
}

/** The code spans of a piece of Markdown, without their backticks. */
export const codeSpans = (text: string) => [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);

/** Markdown outside fenced blocks, so that links and spans in examples are not read as the page's. */
export function prose(markdown: string): string {
  return markdown.replace(/^(\s*)(`{3,})[^\n]*\n[\s\S]*?\n\s*\2\s*$/gm, "");
}

/** The targets of inline links `[text](target)` in a page's prose. */
export const linkTargets = (markdown: string) => [...prose(markdown).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]!);

/** GitHub's anchors for a page's headings: lower case, punctuation dropped, spaces as hyphens, repeats numbered. */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of prose(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = m[1]!
      .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}_\- ]/gu, "")
      .replace(/ /g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}
