// The Node logger: pino writing JSON lines to stdout through a buffered sonic-boom destination, so
// that a request's log line costs a string append rather than a write system call. The buffer is
// written every second and when the process stops (`flush`).
import pino from "pino";
import type { Logger } from "./log";

const FLUSH_MS = 1_000;

export function nodeLogger(dest: number | string = 1): Logger & { flush(): void } {
  const destination = pino.destination({ dest, minLength: 4096, sync: false });
  const logger = pino(
    {
      base: null,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (_label, number) => ({ level: number }) },
    },
    destination,
  );
  const timer = setInterval(() => destination.flush(), FLUSH_MS);
  timer.unref();
  return {
    info: (fields, message) => logger.info(fields, message),
    warn: (fields, message) => logger.warn(fields, message),
    error: (fields, message) => logger.error(fields, message),
    flush() {
      try {
        destination.flushSync();
      } catch {
        // Nothing buffered, or the destination is not ready yet: nothing to lose.
      }
    },
  };
}
