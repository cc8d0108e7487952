import { EXIT } from "./exit";

/** Ctrl-C (SIGINT) or SIGTERM, as a command that stops cleanly sees it. */
export interface Interruption {
  /** The first signal received, if any. */
  readonly signal: NodeJS.Signals | null;
  /** Resolves at the first signal. */
  readonly received: Promise<void>;
  /** 130 after SIGINT, 143 after SIGTERM. */
  exitCode(): number;
  dispose(): void;
}

const say = (text: string) => void process.stderr.write(`\n${text}\n`);

/**
 * The first SIGINT or SIGTERM asks the command to stop cleanly (finish what is in flight, write
 * what is finished) and is acknowledged through `tell` (a progress bar must take the line, or its
 * redraw would overwrite it); a second one exits at once, since the user has run out of patience.
 * Nothing is lost either way: the work is stored, and the output file is made right by the next run.
 */
export function watchSignals(tell: (text: string) => void = say): Interruption {
  let signal: NodeJS.Signals | null = null;
  let resolve: () => void = () => {};
  const received = new Promise<void>((r) => (resolve = r));
  const exitCode = () => (signal === "SIGTERM" ? EXIT.sigterm : EXIT.sigint);
  const onSignal = (s: NodeJS.Signals) => {
    if (signal) {
      say(`${s} again: stopping now; run the same command to continue`);
      process.exit(exitCode());
    }
    signal = s;
    tell(`${s}: finishing the items in flight and writing what is finished (again to stop at once)`);
    resolve();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    get signal() {
      return signal;
    },
    received,
    exitCode,
    dispose() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}
