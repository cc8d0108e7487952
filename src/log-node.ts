// The Node logger: pino writing JSON lines to stdout through a buffered sonic-boom destination, so
// that a request's log line costs a string append rather than a write system call. The buffer is
// written when it holds 4 KiB, every second, and when the process stops (`flush`); a crash loses
// at most that much.
import pino from "pino";
import { type Logger, requestLineJson } from "./log";

const FLUSH_MS = 1_000;

export function nodeLogger(dest: number | string = 1): Logger & { flush(): void } {
  // Lines gather in memory and go out 4 KiB at a time, written off the event loop: a stdout that
  // drains slowly (a pipe nobody is reading yet) holds the log back, never the requests. Past
  // 16 MiB waiting, lines are dropped rather than the process running out of memory.
  const destination = pino.destination({ dest, minLength: 4096, maxLength: 16 * 1024 * 1024, sync: false, periodicFlush: FLUSH_MS });
  // pino's own line: numeric level, epoch-ms time, no pid or host (its cheapest form).
  const logger = pino({ base: null }, destination);
  return {
    info: (fields, message) => logger.info(fields, message),
    warn: (fields, message) => logger.warn(fields, message),
    error: (fields, message) => logger.error(fields, message),
    // The request line goes to the same destination in pino's format, built without its serialiser.
    request: (line) => void destination.write(requestLineJson(line)),
    flush() {
      try {
        destination.flushSync();
      } catch {
        // Nothing buffered, or the destination is not ready yet: nothing to lose.
      }
    },
  };
}
