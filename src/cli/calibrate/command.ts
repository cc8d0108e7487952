import { readFileSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import type { CalibrationExample, CreateCalibrationRequest } from "../../../client/src/index";
import { type Connection, connect } from "../connection";
import { CliError, EXIT } from "../exit";
import { checkWritable } from "../out-file";
import { type Progress, progressOn } from "../progress";
import { type Interruption, watchSignals } from "../signals";
import { type Failure, type Graded, gradePairwise, gradePointwise, type PairwiseGrade, type PointwiseGrade } from "./grade";
import { type Labelled, parseLabelled } from "./labelled";
import { reportText } from "./render";
import { buildReport, itemPairs } from "./report";

export interface CalibrateOptions {
  judge?: string;
  alpha?: number;
  delta?: number;
  method?: CreateCalibrationRequest["method"];
  pooled?: boolean;
  name?: string;
  diagram?: string;
  json?: boolean;
  server?: string;
  concurrency?: number;
  apiKey?: string;
}

/** The API's own defaults, filled in when only one of --alpha and --delta is given. */
const DEFAULT_ALPHA = 0.2;
const DEFAULT_DELTA = 0.1;

/** Where judge k's reliability diagram goes: <file>.reliability.svg, numbered per judge in a cascade. */
function diagramPath(file: string, options: CalibrateOptions, k: number, judges: number): string {
  const base = options.diagram ?? `${file.replace(/\.(jsonl|ndjson|json)$/i, "")}.reliability.svg`;
  return judges > 1 ? base.replace(/(\.svg)?$/i, `.${k + 1}$1`) : base;
}

function checkOptions(options: CalibrateOptions, judges: (string | undefined)[], env: Record<string, string | undefined>): void {
  if (!options.server && judges.length > 1 && env.TICKBOX_DB === ":memory:") {
    throw new CliError(EXIT.input, "a cascade grades with each judge in turn on one database: set TICKBOX_DB to a file, not :memory:");
  }
  if (options.pooled && judges.length < 2) throw new CliError(EXIT.input, "--pooled needs a cascade: --judge m1,m2");
  const twice = judges.find((judge, k) => judges.indexOf(judge) !== k);
  if (twice) throw new CliError(EXIT.input, `--judge names ${twice} twice: a cascade's judges are different models`);
}

/** One judge grades every line that all the judges before it graded. */
async function gradeWith(
  connection: Connection,
  labelled: Labelled,
  used: Set<number>,
  judge: string | null,
  first: Map<number, PointwiseGrade | PairwiseGrade> | null,
  options: CalibrateOptions,
  interruption: Interruption,
  progress: Progress,
): Promise<Graded<PointwiseGrade | PairwiseGrade>> {
  const common = { judge, concurrency: options.concurrency, progress, interruption };
  try {
    if (labelled.kind === "pairwise")
      return await gradePairwise(
        connection.client,
        labelled.lines.filter((l) => used.has(l.line)),
        common,
      );
    const checklists = first ? new Map([...first].map(([line, g]) => [line, (g as PointwiseGrade).checklistId])) : null;
    return await gradePointwise(
      connection.client,
      labelled.lines.filter((l) => used.has(l.line)),
      checklists,
      common,
    );
  } finally {
    progress.stop();
  }
}

/**
 * `tickbox calibrate`: every labelled line graded by each judge (a batch per judge; pairwise lines
 * compared directly), a profile fitted from the gradings (POST /v1/calibrations), the reliability
 * diagram written, and a report. Interrupted, the same command continues: batches resume and
 * comparisons come from the cache, and the profile's id derives from its data.
 */
export async function calibrateCommand(file: string, options: CalibrateOptions, env: Record<string, string | undefined> = process.env): Promise<number> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new CliError(EXIT.input, `cannot read ${file}: ${(error as Error).message}`);
  }
  const labelled = parseLabelled(text, file);
  const judges = options.judge
    ? options.judge
        .split(",")
        .map((m) => m.trim())
        .filter(Boolean)
    : [undefined];
  checkOptions(options, judges, env);
  for (let k = 0; k < judges.length; k++) checkWritable(diagramPath(file, options, k, judges.length));
  let progress: Progress | null = null;
  const interruption = watchSignals((text) => (progress ? progress.message(text) : process.stderr.write(`${text}\n`)));
  const used = new Set(labelled.lines.map((l) => l.line));
  const grades: Map<number, PointwiseGrade | PairwiseGrade>[] = [];
  const failed: Failure[] = [];
  let connection: Connection | null = null;
  try {
    for (const [k, judge] of judges.entries()) {
      await connection?.close();
      connection = await connect({ server: options.server, apiKey: options.apiKey, judge });
      if (interruption.signal) return interruption.exitCode();
      // In this process the judge is known before grading; on a server, from its evaluations.
      const named = judge ?? (options.server ? null : (env.TICKBOX_JUDGE_MODEL ?? null));
      const label = judges.length > 1 ? `judge ${k + 1}/${judges.length} ${judge}` : "";
      progress = progressOn(process.stderr, label);
      const graded = await gradeWith(connection, labelled, used, named, grades[0] ?? null, options, interruption, progress);
      progress = null;
      if (graded.interrupted) {
        process.stderr.write(`interrupted while grading${label ? ` (${label})` : ""}; every finished grading is stored: run the same command to continue\n`);
        return interruption.exitCode();
      }
      failed.push(...graded.failures);
      for (const f of graded.failures) used.delete(f.line);
      grades.push(graded.grades);
      if (k === 0 && labelled.kind === "pointwise") {
        // A key naming no question is a mistake in the file: say so before anything is fitted.
        for (const l of labelled.lines) if (graded.grades.has(l.line)) itemPairs(l, graded.grades.get(l.line) as PointwiseGrade);
      }
    }
    if (used.size === 0) {
      throw new CliError(EXIT.unavailable, `no line could be graded; the first failure, line ${failed[0]?.line}: ${failed[0]?.problem}`);
    }
    const models = judges.map((judge, k) => modelOf(judge, grades[k]!, options, env));
    const lines = labelled.lines.filter((l) => used.has(l.line));
    const examples = (k: number): CalibrationExample[] =>
      lines.map((l) => {
        const g = grades[k]!.get(l.line)!;
        return labelled.kind === "pointwise"
          ? { evaluation_id: (g as PointwiseGrade).evaluationId, label: l.label as 0 | 1 }
          : { p_a: g.p, label: l.label as "a" | "b" };
      });
    const target =
      options.alpha === undefined && options.delta === undefined
        ? {}
        : { target: { alpha: options.alpha ?? DEFAULT_ALPHA, delta: options.delta ?? DEFAULT_DELTA } };
    const body: CreateCalibrationRequest = {
      name: options.name ?? basename(file),
      kind: labelled.kind,
      ...(judges.length > 1
        ? { judges: models.map((model, k) => ({ model: model!, examples: examples(k) })), ...(options.pooled ? { pooled: true } : {}) }
        : { examples: examples(0), ...(models[0] ? { judge: models[0] } : {}) }),
      ...(options.method ? { method: options.method } : {}),
      ...target,
    };
    const client = connection!.client;
    const profile = await client.post("/v1/calibrations", { body });
    const diagrams = profile.judges.map((_, k) => diagramPath(file, options, k, profile.judges.length));
    for (const [k, path] of diagrams.entries()) {
      writeFileSync(path, await client.get("/v1/calibrations/{id}/reliability.svg", { path: { id: profile.id }, query: { judge: k } }));
    }
    const report = buildReport({ file, labelled, used: lines.map((l) => l.line), grades, failed, profile, method: options.method, diagrams });
    process.stdout.write(options.json ? `${JSON.stringify(report)}\n` : reportText(report));
    return failed.length > 0 ? EXIT.someFailed : EXIT.ok;
  } finally {
    interruption.dispose();
    await connection?.close();
  }
}

/**
 * The model a judge's gradings came from. Evaluations name theirs; a --judge that differs from it
 * (a server that does not know the request's `judge` field) is refused rather than written into
 * the profile.
 */
function modelOf(
  judge: string | undefined,
  grades: Map<number, PointwiseGrade | PairwiseGrade>,
  options: CalibrateOptions,
  env: Record<string, string | undefined>,
): string | null {
  const seen = new Set([...grades.values()].flatMap((g) => ("model" in g ? [g.model] : [])));
  if (seen.size === 0) return judge ?? (options.server ? null : (env.TICKBOX_JUDGE_MODEL ?? null));
  const [model] = seen;
  if (seen.size > 1) throw new CliError(EXIT.input, `the gradings come from several models (${[...seen].join(", ")}): calibrate one judge at a time`);
  if (judge && model !== judge) {
    throw new CliError(
      EXIT.input,
      `${options.server} grades with ${model}, not ${judge}: drop --judge, or point --server at a server configured with ${judge}`,
    );
  }
  return model!;
}
