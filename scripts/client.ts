// Writes the client package's types from openapi.yaml (`write`), or fails when the committed file
// differs from what openapi.yaml gives (`check`). openapi.yaml is itself checked against the route
// declarations, so the client's types follow the routes through it.
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { parse } from "yaml";

// A JSON Schema as openapi.yaml spells it: read field by field, its shape checked where it is used.
// biome-ignore lint/suspicious/noExplicitAny: the generator walks arbitrary JSON Schema
type Schema = Record<string, any>;

const root = resolve(import.meta.dirname, "..");
const source = resolve(root, "openapi.yaml");
const target = resolve(root, "client/src/openapi.ts");

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const key = (name: string) => (IDENTIFIER.test(name) ? name : JSON.stringify(name));
const doc = (text: unknown, indent: string) =>
  typeof text === "string" && text.trim() ? `${indent}/** ${text.trim().replace(/\*\//g, "*\\/").replace(/\n/g, `\n${indent} * `)} */\n` : "";

/** A JSON Schema (OpenAPI 3.1) as a TypeScript type. */
function typeOf(schema: Schema | undefined, indent = ""): string {
  if (!schema || Object.keys(schema).length === 0) return "unknown";
  if (schema.$ref) return String(schema.$ref).split("/").at(-1)!;
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return schema.enum.map((v: unknown) => JSON.stringify(v)).join(" | ");
  if (schema.allOf) {
    // zod-openapi writes a nullable reference as allOf [$ref, {type: [object, null]}]: the second
    // part adds only the null.
    const typed: Schema[] = schema.allOf.filter((s: Schema) => !annotationOnly(s));
    const nullOnly = (s: Schema) => Array.isArray(s.type) && s.type.includes("null") && !s.properties && !s.additionalProperties;
    const parts = typed.filter((s) => !nullOnly(s)).map((s) => parenthesised(typeOf(s, indent)));
    return `${parts.join(" & ")}${typed.some(nullOnly) ? " | null" : ""}`;
  }
  const union = schema.anyOf ?? schema.oneOf;
  if (union) return union.map((s: Schema) => parenthesised(typeOf(s, indent))).join(" | ");
  const types: string[] = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.length === 0) return schema.properties ? objectType(schema, indent) : "unknown";
  const parts = types.map((type) => {
    switch (type) {
      case "string":
        return "string";
      case "number":
      case "integer":
        return "number";
      case "boolean":
        return "boolean";
      case "null":
        return "null";
      case "array":
        if (schema.prefixItems) return `[${schema.prefixItems.map((s: Schema) => typeOf(s, indent)).join(", ")}]`;
        return `${parenthesised(typeOf(schema.items, indent))}[]`;
      case "object":
        return objectType(schema, indent);
      default:
        throw new Error(`unsupported schema type ${type}`);
    }
  });
  if (schema.nullable) parts.push("null");
  return parts.join(" | ");
}

const ANNOTATIONS = new Set(["description", "example", "examples", "title", "deprecated"]);
/** A schema that says something about a value without constraining it (`allOf: [$ref, {description}]`). */
const annotationOnly = (schema: Schema) => Object.keys(schema).every((k) => ANNOTATIONS.has(k));
const descriptionOf = (schema: Schema): unknown => schema.description ?? schema.allOf?.find((s: Schema) => annotationOnly(s) && s.description)?.description;

/** The type in parentheses when it is a union or intersection at its top level. */
function parenthesised(type: string): string {
  let depth = 0;
  for (let i = 0; i < type.length; i++) {
    const c = type[i]!;
    if (c === '"') {
      // a string literal: skip to its closing quote
      for (i++; type[i] !== '"'; i++) if (type[i] === "\\") i++;
    } else if ("{[(".includes(c)) depth++;
    else if ("}])".includes(c)) depth--;
    else if (depth === 0 && (c === "|" || c === "&")) return `(${type})`;
  }
  return type;
}

function objectType(schema: Schema, indent: string): string {
  const inner = `${indent}  `;
  const required = new Set<string>(schema.required ?? []);
  const lines = Object.entries<Schema>(schema.properties ?? {}).map(
    ([name, prop]) => `${doc(descriptionOf(prop), inner)}${inner}${key(name)}${required.has(name) ? "" : "?"}: ${typeOf(prop, inner)};\n`,
  );
  const extra = schema.additionalProperties;
  if (extra !== false && (extra !== undefined || lines.length === 0)) {
    lines.push(`${inner}[key: string]: ${extra && extra !== true ? typeOf(extra, inner) : "unknown"};\n`);
  }
  return lines.length ? `{\n${lines.join("")}${indent}}` : "{}";
}

/** How an answer's body is read: parsed JSON, one JSON value per line, text, or nothing. */
function answerKind(contentTypes: string[]): "json" | "ndjson" | "text" | "empty" {
  if (contentTypes.length === 0) return "empty";
  if (contentTypes.includes("application/json")) return "json";
  if (contentTypes.includes("application/x-ndjson")) return "ndjson";
  return "text";
}

function generate(spec: Schema): string {
  const out: string[] = [
    "// Generated from openapi.yaml by `npm run client:generate`: do not edit by hand.",
    "// `npm run client:check` and the test suite fail when this file differs from what openapi.yaml gives.",
    "",
  ];
  for (const [name, schema] of Object.entries<Schema>(spec.components.schemas)) {
    const type = typeOf(schema);
    const plainObject = schema.type === "object" && !schema.nullable && !schema.allOf && !schema.anyOf && !schema.oneOf;
    out.push(doc(schema.description, "") + (plainObject ? `export interface ${name} ${type}\n` : `export type ${name} = ${type};\n`));
  }
  const types: string[] = [];
  const runtime: string[] = [];
  for (const [path, item] of Object.entries<Schema>(spec.paths)) {
    for (const [method, op] of Object.entries<Schema>(item)) {
      const params: Schema[] = op.parameters ?? [];
      const group = (where: string) => {
        const list = params.filter((p) => p.in === where);
        if (list.length === 0) return "never";
        return objectType(
          {
            properties: Object.fromEntries(list.map((p) => [p.name, { ...p.schema, description: p.description }])),
            required: list.filter((p) => p.required).map((p) => p.name),
            additionalProperties: false,
          },
          "    ",
        );
      };
      const bodies: Schema = op.requestBody?.content ?? {};
      const bodyTypes = Object.entries<Schema>(bodies).map(([type, media]) => (type === "application/json" ? typeOf(media.schema, "    ") : "string"));
      const success = Object.entries<Schema>(op.responses).find(([status]) => status.startsWith("2"));
      if (!success) throw new Error(`${method} ${path} has no 2xx answer`);
      const content: Schema = success[1].content ?? {};
      const kind = answerKind(Object.keys(content));
      const schemaOf = content["application/json"]?.schema ?? content["application/x-ndjson"]?.schema;
      const answer =
        kind === "empty"
          ? "undefined"
          : kind === "text"
            ? "string"
            : kind === "ndjson"
              ? `${parenthesised(typeOf(schemaOf, "    "))}[]`
              : typeOf(schemaOf, "    ");
      const name = `${method} ${path}`;
      types.push(
        `${doc(op.summary, "  ")}  ${JSON.stringify(name)}: {\n` +
          `    path: ${group("path")};\n` +
          `    query: ${group("query")};\n` +
          `    body: ${bodyTypes.length ? bodyTypes.join(" | ") : "never"};\n` +
          `    bodyRequired: ${op.requestBody?.required === true};\n` +
          `    answer: ${answer};\n` +
          "  };\n",
      );
      runtime.push(`  ${JSON.stringify(name)}: { answer: ${JSON.stringify(kind)}, jsonLinesBody: ${"application/x-ndjson" in bodies} },\n`);
    }
  }
  out.push(
    "/**",
    " * Every operation of the API by `<method> <path>`: its path parameters, query, request body (a",
    " * string where the operation also takes JSON Lines) and the body of its successful answer.",
    " */",
    `export interface Operations {\n${types.join("")}}\n`,
    "/** How each operation's body is sent and its answer read: the runtime half of Operations. */",
    `export const operations = {\n${runtime.join("")}} as const;\n`,
  );
  return out.join("\n");
}

const generated = generate(parse(readFileSync(source, "utf8")));
const mode = process.argv[2];
if (mode === "write") {
  writeFileSync(target, generated);
  console.log(`wrote ${target}`);
} else if (mode === "check") {
  let committed = "";
  try {
    committed = readFileSync(target, "utf8");
  } catch {
    // a missing file differs
  }
  if (committed !== generated) {
    console.error("client/src/openapi.ts differs from openapi.yaml: run `npm run client:generate` and commit it");
    process.exit(1);
  }
  console.log("client/src/openapi.ts matches openapi.yaml");
} else {
  console.error("usage: tsx scripts/client.ts write|check");
  process.exit(2);
}
