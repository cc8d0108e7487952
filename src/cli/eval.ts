import { readFileSync } from "node:fs";
import type { BatchItem } from "../../client/src/index";
import { followBatch, resultBytes } from "./batch";
import { connect } from "./connection";
import { CliError, EXIT } from "./exit";
import { checkWritable, syncFile, toStdout } from "./out-file";
import { type Progress, progressOn, summaryText } from "./progress";
import { watchSignals } from "./signals";

export interface EvalOptions {
  out?: string | undefined;
  server?: string | undefined;
  concurrency?: number | undefined;
  apiKey?: string | undefined;
}

/** The file as the batch body: a JSON array parsed here, JSON Lines sent as they are. */
function batchBody(file: string): BatchItem[] | string {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new CliError(EXIT.input, `cannot read ${file}: ${(error as Error).message}`);
  }
  if (!text.trimStart().startsWith("[")) return text;
  try {
    return JSON.parse(text) as BatchItem[];
  } catch {
    throw new CliError(EXIT.input, `${file} is neither JSON Lines nor a JSON array`);
  }
}

/**
 * `tickbox eval`: the file as a batch, here or on a server; progress on stderr; the results to
 * --out (or stdout); a summary. A signal stops it cleanly: the items in flight finish, and every
 * finished item is written to --out. The same command continues (the same file names the same
 * batch) and leaves --out exactly as an uninterrupted run would have.
 */
export async function evalCommand(file: string, options: EvalOptions): Promise<number> {
  const body = batchBody(file);
  if (options.out) checkWritable(options.out);
  let progress: Progress | null = null;
  const interruption = watchSignals((text) => (progress ? progress.message(text) : process.stderr.write(`${text}\n`)));
  const connection = await connect(options);
  try {
    if (interruption.signal) return interruption.exitCode();
    progress = progressOn(process.stderr);
    // A 422 names each bad item by its line (JSON Lines) or index (an array).
    const followed = await followBatch(connection.client, body, { concurrency: options.concurrency, progress, interruption });
    progress.stop();
    const { view } = followed;
    const results = resultBytes(connection.client, view.id);
    const finished = view.counts.done + view.counts.failed;
    if (followed.interrupted) {
      if (options.out) await syncFile(options.out, results);
      const kept = options.out ? `written to ${options.out}` : "stored";
      process.stderr.write(`interrupted: ${finished}/${view.total} finished and ${kept}; run the same command to continue\n`);
      return interruption.exitCode();
    }
    if (options.out) await syncFile(options.out, results);
    else await toStdout(results);
    process.stderr.write(`${summaryText(view)}\n`);
    return view.counts.failed > 0 ? EXIT.someFailed : EXIT.ok;
  } finally {
    interruption.dispose();
    await connection.close();
  }
}
