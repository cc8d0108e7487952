import { once } from "node:events";
import { createWriteStream, readFileSync } from "node:fs";
import type { BatchView } from "../batches/service";
import { type BatchRun, localRun, remoteRun } from "./batch-run";
import { progressOn, summaryText } from "./progress";

export interface EvalOptions {
  out?: string;
  server?: string;
  concurrency?: number;
}

const POLL_MS = 250;

async function writeResults(run: BatchRun, out: string | undefined): Promise<void> {
  const stream = out ? createWriteStream(out) : process.stdout;
  for await (const page of run.results()) {
    if (!stream.write(page)) await once(stream, "drain");
  }
  if (out) await new Promise<void>((resolve, reject) => stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

/**
 * `tickbox eval`: the file as a batch, here or on a server; progress on stderr; the results to
 * --out (or stdout); a summary. Ctrl-C stops cleanly and the same command continues, since the
 * same file names the same batch. Exit status: 0 all graded, 1 some items failed, 130 interrupted.
 */
export async function evalCommand(file: string, options: EvalOptions): Promise<number> {
  const text = readFileSync(file, "utf8");
  const run = options.server ? await remoteRun(text, options.server, options.concurrency) : await localRun(text, process.env, options.concurrency);
  const progress = progressOn(process.stderr);
  let interrupted = false;
  let wake: () => void = () => {};
  const onSigint = () => {
    interrupted = true;
    wake();
  };
  process.once("SIGINT", onSigint);
  let view: BatchView;
  try {
    for (;;) {
      view = await run.view();
      progress.update(view);
      if (view.status !== "running" || interrupted) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, POLL_MS);
      });
    }
    if (interrupted) {
      await run.interrupt();
      view = await run.view();
      progress.stop();
      process.stderr.write(`\ninterrupted: ${view.counts.done + view.counts.failed}/${view.total} finished; run the same command to continue\n`);
      return 130;
    }
    progress.stop();
    await writeResults(run, options.out);
    process.stderr.write(`${summaryText(view)}\n`);
    return view.counts.failed > 0 ? 1 : 0;
  } finally {
    process.off("SIGINT", onSigint);
    await run.close();
  }
}
