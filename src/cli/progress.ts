import { SingleBar } from "cli-progress";
import type { Batch } from "../../client/src/index";

/** How far a piece of work is: items finished (graded or failed) of the total, and how fast. */
export interface ProgressState {
  finished: number;
  total: number;
  failed: number;
  /** Items per second, when known. */
  rate: number | null;
  /** Seconds left, when known. */
  eta: number | null;
}

export interface Progress {
  update(state: ProgressState): void;
  /** A line for the user; on a terminal the bar makes way for it and is drawn again below it. */
  message(text: string): void;
  stop(): void;
}

const PLAIN_EVERY_MS = 2_000;

/** A batch's progress as the server reports it. */
export function batchProgress(view: Batch): ProgressState {
  return {
    finished: view.counts.done + view.counts.failed,
    total: view.total,
    failed: view.counts.failed,
    rate: view.throughput,
    eta: view.eta_seconds,
  };
}

/** Seconds left as text: nothing left is 0s, and an unknown rate says so rather than guessing. */
function etaText(state: ProgressState): string {
  if (state.finished >= state.total) return "0s";
  const s = state.eta;
  if (s === null) return "-";
  return s >= 3600 ? `${(s / 3600).toFixed(1)}h` : s >= 60 ? `${Math.round(s / 60)}m` : `${Math.round(s)}s`;
}

const rateText = (state: ProgressState) => (state.rate === null ? "-" : state.rate.toFixed(1));

/**
 * A bar with rate and ETA on a terminal; plain lines (every two seconds and at the end) when
 * stderr is a file or a pipe, where a redrawn bar would be noise. `label` names the work.
 */
export function progressOn(stream: NodeJS.WriteStream, label = ""): Progress {
  const prefix = label ? `${label} ` : "";
  if (stream.isTTY) {
    const bar = new SingleBar({
      stream,
      format: `${prefix}{bar} {percentage}% | {value}/{total} | {rate_text}/s | ETA {eta_text} | failed {failed}`,
      hideCursor: true,
      clearOnComplete: false,
    });
    let started = false;
    return {
      update(state) {
        const payload = { rate_text: rateText(state), eta_text: etaText(state), failed: state.failed };
        if (!started) {
          bar.start(state.total, state.finished, payload);
          started = true;
        } else bar.update(state.finished, payload);
      },
      message(text) {
        if (started) bar.stop();
        started = false;
        stream.write(`${text}\n`);
      },
      stop: () => {
        if (started) bar.stop();
        started = false;
      },
    };
  }
  let last = 0;
  let lastLine = "";
  return {
    update(state) {
      const pct = state.total ? Math.floor((100 * state.finished) / state.total) : 100;
      const line = `${state.finished}/${state.total} (${pct}%) ${rateText(state)} items/s ETA ${etaText(state)} failed ${state.failed}`;
      const now = Date.now();
      if (line !== lastLine && (now - last >= PLAIN_EVERY_MS || state.finished === state.total)) {
        stream.write(`${prefix}progress ${line}\n`);
        last = now;
        lastLine = line;
      }
    },
    message: (text) => void stream.write(`${text}\n`),
    stop() {},
  };
}

/** The closing summary of a batch: items, pass rate, mean weighted score, upstream calls, cache hits, tokens. */
export function summaryText(view: Batch): string {
  const s = view.summary;
  const pct = (x: number | null) => (x === null ? "-" : `${(100 * x).toFixed(1)}%`);
  return [
    `batch ${view.id}: ${view.status}`,
    `items ${view.total}: ${view.counts.done} graded, ${view.counts.failed} failed, ${view.counts.pending + view.counts.running} left`,
    `pass rate ${pct(s.pass_rate)}, mean weighted score ${s.mean_weighted === null ? "-" : s.mean_weighted.toFixed(3)}`,
    `upstream calls ${s.usage.upstream_calls}, cache hits ${s.cache_hits}, tokens ${s.usage.prompt_tokens} prompt + ${s.usage.completion_tokens} completion`,
  ].join("\n");
}
