// tickbox-client as a user gets it: the tarball `npm pack` makes, installed into a fresh project
// outside the repository, type-checked by tsc under strict settings and run with plain node
// against a server (its own process) that needs a key.
import { type ChildProcess, execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_KEY, useFakeUpstream } from "../support/file-fake";
import { payloadOf, upstreamEnv } from "../support/harness";
import { startProcess } from "../support/process";

const root = resolve(import.meta.dirname, "../..");
const tsc = join(root, "node_modules/.bin/tsc");
const fake = useFakeUpstream();
// Folders for the whole file (a per-test helper would remove them between tests).
const folders: string[] = [];
const tempDir = () => {
  folders.push(mkdtempSync(join(tmpdir(), "tickbox-client-")));
  return folders.at(-1)!;
};

const STRICT = { strict: true, exactOptionalPropertyTypes: true, noPropertyAccessFromIndexSignature: true, skipLibCheck: false, target: "es2022" };

/** What a consumer writes: typed reads of an evaluation, a selection and a batch; `@ts-expect-error` where the types must refuse. */
const CONSUMER = `import { createClient, TickboxError, type Batch, type Evaluation } from "tickbox-client";

const [baseUrl = ""] = process.argv.slice(2);
// The platform's own fetch fits the \`fetch\` option (a proxy or a test double would go there).
const tickbox = createClient({ baseUrl, apiKey: process.env["TICKBOX_API_KEY"], fetch });
const checklist = { items: [{ question: "Does it greet the reader?" }, { question: "Is it one sentence?", weight: 100, must_pass: true }] };

const evaluation: Evaluation = await tickbox.post("/v1/evaluations", { body: { instruction: "Say hello.", response: "Hello there.", checklist } });
const weighted: number = evaluation.scores.weighted;
const verdicts: ("YES" | "NO")[] = evaluation.results.map((r) => r.verdict);

const selection = await tickbox.post("/v1/selections", { body: { instruction: "Say hello.", candidates: ["Hi.", "Hello there."], checklist } });
const winner: number | null = selection.winner;

const items = [1, 2, 3].map((i) => ({ custom_id: "item-" + i, instruction: "Say hello.", response: "Hello number " + i + ".", checklist }));
const created: Batch = await tickbox.post("/v1/batches", { body: items, query: { concurrency: 2 } });
let batch = created;
while (batch.status === "running") {
  await new Promise((r) => setTimeout(r, 50));
  batch = await tickbox.get("/v1/batches/{id}", { path: { id: created.id } });
}
const results = await tickbox.get("/v1/batches/{id}/results", { path: { id: batch.id } });
const scores: (number | undefined)[] = results.map((r) => r.evaluation?.scores.weighted);
let streamed = 0;
for await (const chunk of tickbox.stream("/v1/batches/{id}/results", { path: { id: batch.id } })) streamed += chunk.length;

let refused: unknown = null;
try {
  await createClient({ baseUrl }).get("/v1/evaluations/{id}", { path: { id: evaluation.id } });
} catch (error) {
  if (error instanceof TickboxError) refused = { status: error.status, code: error.problem?.code ?? null };
}

// @ts-expect-error: not a path of the API
if (process.env["NEVER"]) await tickbox.get("/v1/nonsense");
// @ts-expect-error: the path parameter is required
if (process.env["NEVER"]) await tickbox.get("/v1/batches/{id}");
// @ts-expect-error: an evaluation has no such field
if (process.env["NEVER"]) console.log(evaluation.grade);
// @ts-expect-error: a response is a string
if (process.env["NEVER"]) await tickbox.post("/v1/evaluations", { body: { instruction: "x", response: 42 } });

console.log(JSON.stringify({ weighted, verdicts, winner, batch: { status: batch.status, total: batch.total, done: batch.counts.done }, scores, streamed, refused }));
`;

/** Types only, for a project with no DOM and no Node types at all. */
const BARE = `import type { Calibration, TickboxClient } from "tickbox-client";
export async function certified(client: TickboxClient, id: string): Promise<number | null> {
  const profile: Calibration = await client.get("/v1/calibrations/{id}", { path: { id } });
  return profile.threshold?.lambda ?? null;
}
`;

let tarball: string;
let packed: { files: { path: string }[] };
let project: string;
let server: { url: string; child: ChildProcess };

beforeAll(async () => {
  const out = tempDir();
  // npm pack runs the package's prepack, which builds dist/ with tsc.
  [packed] = JSON.parse(
    execFileSync("npm", ["pack", "./client", "--pack-destination", out, "--json"], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }),
  );
  tarball = join(out, (packed as unknown as { filename: string }).filename);

  project = tempDir();
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  execFileSync("npm", ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", tarball], { cwd: project, stdio: "ignore" });
  // The consumer's own @types/node, as any Node project has (linked rather than downloaded).
  mkdirSync(join(project, "node_modules/@types"), { recursive: true });
  symlinkSync(join(root, "node_modules/@types/node"), join(project, "node_modules/@types/node"));
  writeFileSync(join(project, "main.ts"), CONSUMER);
  writeFileSync(join(project, "bare.ts"), BARE);

  server = await startProcess("src/server.ts", { ...upstreamEnv(fake), TICKBOX_DB: join(tempDir(), "t.db"), TICKBOX_ADMIN_KEY: ADMIN_KEY });
}, 120_000);
afterAll(() => {
  server?.child.kill("SIGTERM");
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

function typecheck(name: string, options: Record<string, unknown>, files: string[]): string {
  writeFileSync(join(project, name), JSON.stringify({ compilerOptions: { ...STRICT, ...options }, files }));
  try {
    execFileSync(tsc, ["-p", name], { cwd: project, encoding: "utf8" });
    return "";
  } catch (error) {
    return String((error as { stdout?: string }).stdout ?? error);
  }
}

describe("the packed client in a fresh project", () => {
  it("holds only what a consumer needs: built ESM, declarations, package.json, README, licence", () => {
    const files = packed.files.map((f) => f.path).sort();
    expect(files).toEqual(["LICENSE", "README.md", "dist/index.d.ts", "dist/index.js", "dist/openapi.d.ts", "dist/openapi.js", "package.json"]);
    const manifest = JSON.parse(readFileSync(join(project, "node_modules/tickbox-client/package.json"), "utf8"));
    expect(manifest.name).toBe("tickbox-client");
    expect(manifest.private).toBeUndefined();
    expect(manifest.dependencies).toBeUndefined();
    // Nothing in it points into the server's source.
    for (const file of ["index.d.ts", "index.js", "openapi.d.ts", "openapi.js"]) {
      const text = readFileSync(join(project, "node_modules/tickbox-client/dist", file), "utf8");
      expect(text).not.toMatch(/from "(?!\.\/(index|openapi)\.js")/);
      expect(text).not.toContain("/src/");
    }
  });

  it("type-checks under NodeNext with strict flags, runs with node against a keyed server, and reads typed fields", { timeout: 60_000 }, async () => {
    expect(typecheck("tsconfig.json", { module: "nodenext", moduleResolution: "nodenext", types: ["node"], outDir: "out" }, ["main.ts"])).toBe("");
    // "Hi." fails every question, so the selection's winner is the second candidate (a tie would give the first).
    fake.answer = (_id, _index, call) => (payloadOf(call).response === "Hi." ? { verdict: "NO", p_yes: 0.1 } : { verdict: "YES", p_yes: 0.9 });
    // Not execFileSync: the fake upstream answers from this process, which must keep running.
    const { stdout } = await promisify(execFile)(process.execPath, ["out/main.js", server.url], {
      cwd: project,
      env: { ...process.env, TICKBOX_API_KEY: ADMIN_KEY },
    });
    const seen = JSON.parse(stdout);
    expect(seen.weighted).toBe(1);
    expect(seen.verdicts).toEqual(["YES", "YES"]);
    expect(seen.winner).toBe(1);
    expect(seen.batch).toEqual({ status: "completed", total: 3, done: 3 });
    expect(seen.scores).toEqual([1, 1, 1]);
    expect(seen.streamed).toBeGreaterThan(0);
    // The same server without the key.
    expect(seen.refused).toEqual({ status: 401, code: "unauthorized" });
  });

  it("type-checks under Bundler resolution, and with no DOM or Node types at all", () => {
    expect(typecheck("tsconfig.bundler.json", { module: "esnext", moduleResolution: "bundler", types: ["node"], noEmit: true }, ["main.ts"])).toBe("");
    expect(typecheck("tsconfig.bare.json", { module: "nodenext", moduleResolution: "nodenext", lib: ["es2022"], types: [], noEmit: true }, ["bare.ts"])).toBe(
      "",
    );
  });

  it("loads in plain node by its package name", () => {
    const script = `import("tickbox-client").then((m) => console.log(typeof m.createClient, typeof m.TickboxError))`;
    expect(execFileSync(process.execPath, ["-e", script], { cwd: project, encoding: "utf8" }).trim()).toBe("function function");
  });
});

it("the committed client types match openapi.yaml (regenerate with npm run client:generate)", () => {
  expect(() => execFileSync(process.execPath, ["--import", "tsx", "scripts/client.ts", "check"], { cwd: root, stdio: "pipe" })).not.toThrow();
});
