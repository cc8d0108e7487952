import { SingleBar } from "cli-progress";
import type { BatchView } from "../batches/service";

export interface Progress {
  update(view: BatchView): void;
  stop(): void;
}

const PLAIN_EVERY_MS = 2_000;

const eta = (seconds: number | null) =>
  seconds === null ? "?" : seconds >= 3600 ? `${(seconds / 3600).toFixed(1)}h` : seconds >= 60 ? `${Math.round(seconds / 60)}m` : `${seconds}s`;

/**
 * A progress bar with rate and ETA on a terminal; plain lines (every two seconds and at the end)
 * when stderr is a file or a pipe, where a redrawn bar would be noise.
 */
export function progressOn(stream: NodeJS.WriteStream): Progress {
  if (stream.isTTY) {
    const bar = new SingleBar({
      stream,
      format: "{bar} {percentage}% | {value}/{total} | {rate}/s | ETA {eta_text} | failed {failed}",
      hideCursor: true,
      clearOnComplete: false,
    });
    let started = false;
    return {
      update(view) {
        const payload = { rate: view.throughput?.toFixed(1) ?? "-", eta_text: eta(view.eta_seconds), failed: view.counts.failed };
        const finished = view.counts.done + view.counts.failed;
        if (!started) {
          bar.start(view.total, finished, payload);
          started = true;
        } else bar.update(finished, payload);
      },
      stop: () => bar.stop(),
    };
  }
  let last = 0;
  let lastLine = "";
  return {
    update(view) {
      const finished = view.counts.done + view.counts.failed;
      const line = `${finished}/${view.total} (${Math.floor((100 * finished) / view.total)}%) ${view.throughput?.toFixed(1) ?? "-"} items/s ETA ${eta(view.eta_seconds)} failed ${view.counts.failed}`;
      const now = Date.now();
      if (line !== lastLine && (now - last >= PLAIN_EVERY_MS || finished === view.total)) {
        stream.write(`progress ${line}\n`);
        last = now;
        lastLine = line;
      }
    },
    stop() {},
  };
}

/** The closing summary: items, pass rate, mean weighted score, upstream calls, cache hits, tokens. */
export function summaryText(view: BatchView): string {
  const s = view.summary;
  const pct = (x: number | null) => (x === null ? "-" : `${(100 * x).toFixed(1)}%`);
  return [
    `batch ${view.id}: ${view.status}`,
    `items ${view.total}: ${view.counts.done} graded, ${view.counts.failed} failed, ${view.counts.pending + view.counts.running} left`,
    `pass rate ${pct(s.pass_rate)}, mean weighted score ${s.mean_weighted === null ? "-" : s.mean_weighted.toFixed(3)}`,
    `upstream calls ${s.usage.upstream_calls}, cache hits ${s.cache_hits}, tokens ${s.usage.prompt_tokens} prompt + ${s.usage.completion_tokens} completion`,
  ].join("\n");
}
