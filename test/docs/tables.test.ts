// The README's tables are checked against what they describe, so that none can drift: the
// configuration table against the zod schema that reads the environment, the route table against
// the contract and the app, the errors page against the error catalog, and the Cloudflare page's
// bindings and vars against what the Worker reads and wrangler.toml binds.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { configSchema } from "../../src/config";
import { problemCatalog } from "../../src/errors";
import { makeApp } from "../support/harness";
import { codeSpans, linkTargets, pages, read, root, tableAfter } from "./markdown";

const readme = read("README.md");

describe("the README", () => {
  it("is a front door: at most 250 lines, linking every page of docs/", () => {
    expect(readme.split("\n").length).toBeLessThanOrEqual(250);
    const linked = new Set(linkTargets(readme).map((t) => t.split("#")[0]));
    const missing = pages().filter((p) => p.startsWith("docs/") && !linked.has(p));
    expect(missing, "docs pages the README does not link").toEqual([]);
  });
});

describe("the configuration table", () => {
  const rows = tableAfter(readme, "## Configuration").map(([variable = "", fallback = ""]) => ({
    variable: codeSpans(variable)[0] ?? variable,
    fallback,
  }));
  const defaults = configSchema.parse({}) as Record<string, unknown>;

  it("lists every variable src/config.ts reads, and no other, once each", () => {
    const documented = rows.map((r) => r.variable);
    expect(new Set(documented).size, "a variable listed twice").toBe(documented.length);
    expect([...documented].sort()).toEqual(Object.keys(configSchema.shape).sort());
  });

  it("gives each variable the default the schema applies, and none where it applies none", () => {
    for (const { variable, fallback } of rows) {
      const value = defaults[variable];
      const spans = codeSpans(fallback);
      if (value === undefined) {
        expect(spans, `${variable}: the schema has no default, the table gives ${fallback}`).toEqual([]);
      } else {
        expect(spans, `${variable}: its default is ${JSON.stringify(value)}`).toEqual([typeof value === "object" ? JSON.stringify(value) : String(value)]);
      }
    }
  });
});

describe("the Worker's bindings and vars (docs/cloudflare.md)", () => {
  const page = read("docs/cloudflare.md");
  const worker = read("src/worker.ts");
  // What src/worker.ts reads beyond Node's configuration: the keys of its `configSchema.extend({…})`.
  const extension = /configSchema\s*\.extend\(\{([\s\S]*?)\n {2}\}\)/.exec(worker)?.[1];
  const sourceLines = (extension ?? "").split("\n");
  const keys = sourceLines.flatMap((line) => /^ {4}([A-Z][A-Z0-9_]*):/.exec(line)?.[1] ?? []);
  const named = (rows: string[][]) =>
    rows.map(([first = "", second = ""]) => ({ name: codeSpans(first)[0] ?? "", fallback: second })).filter(({ name }) => /^[A-Z][A-Z0-9_]*$/.test(name));
  const bindings = named(tableAfter(page, "## Bindings and vars"));
  const vars = named(tableAfter(page, "### The Worker's own vars"));

  it("lists every binding and var src/worker.ts reads beyond Node's configuration, and no other, once each", () => {
    expect(keys.length, "no configSchema.extend({…}) found in src/worker.ts").toBeGreaterThan(0);
    const documented = [...bindings, ...vars].map((b) => b.name);
    expect(new Set(documented).size, "a name listed twice").toBe(documented.length);
    expect([...documented].sort()).toEqual([...keys].sort());
  });

  it("names each binding as wrangler.toml binds it", () => {
    const toml = read("wrangler.toml");
    const unbound = bindings.filter(({ name }) => !new RegExp(`^\\s*(binding|name)\\s*=\\s*"${name}"`, "m").test(toml));
    expect(unbound.map((b) => b.name)).toEqual([]);
  });

  it("gives each var the default its schema applies", () => {
    for (const { name, fallback } of vars) {
      // The var's schema, however the formatter wraps it: from its key to the next key or the object's end.
      const start = sourceLines.findIndex((l) => l.startsWith(`    ${name}:`));
      const after = sourceLines.slice(start + 1).findIndex((l) => /^ {4}[A-Z_]+:|^ {2}\}/.test(l));
      const line = start < 0 ? "" : sourceLines.slice(start, after < 0 ? undefined : start + 1 + after).join(" ");
      const [value = ""] = codeSpans(fallback);
      const applied = line.includes(`.default("${value}")`) || line.includes(`.default(${value})`) || line.includes(`? ${value} :`);
      expect(applied, `${name}: the table gives ${fallback}, src/worker.ts reads ${line.trim()}`).toBe(true);
    }
  });
});

describe("the route table", () => {
  const documented = tableAfter(readme, "## Routes").flatMap(([routes = ""]) =>
    codeSpans(routes).map((span) => {
      const m = /^(GET|POST|PUT|PATCH|DELETE) (\/\S*)$/.exec(span);
      if (!m) throw new Error(`not a route: ${span}`);
      return `${m[1]} ${m[2]}`;
    }),
  );
  const contract = parseYaml(readFileSync(resolve(root, "openapi.yaml"), "utf8")) as { paths: Record<string, Record<string, unknown>> };
  const operations = Object.entries(contract.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));

  it("lists every operation of openapi.yaml", () => {
    expect(operations.filter((op) => !documented.includes(op))).toEqual([]);
  });

  it("lists, beyond the contract, only routes the app serves", () => {
    const { app, close } = makeApp();
    const served = new Set(app.routes.map((r) => `${r.method} ${r.path.replaceAll(/:(\w+)/g, "{$1}")}`));
    close();
    expect(documented.filter((op) => !operations.includes(op) && !served.has(op))).toEqual([]);
  });
});

describe("the errors page", () => {
  it("gives every code of the error catalog with its status, and no other", () => {
    const rows = tableAfter(read("docs/errors.md"), "## Codes").flatMap(([status = "", codes = ""]) =>
      codeSpans(codes).map((code) => [code, Number(status)] as const),
    );
    const catalog = Object.entries(problemCatalog).map(([code, { status }]) => [code, status] as const);
    expect([...rows].sort()).toEqual([...catalog].sort());
  });
});
