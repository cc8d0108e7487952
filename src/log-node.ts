// The Node logger: pino writing JSON lines to stdout through a sonic-boom destination. Request
// lines, one per request, are gathered here and handed over 4 KiB at a time, so that a request's
// line costs a string append; the destination writes off the event loop (a stdout that drains
// slowly holds the log back, never the requests) and drops lines past 16 MiB waiting rather than
// run out of memory. Everything is written every second and when the process stops (`flush`): a
// crash loses at most that second.
import pino from "pino";
import { consoleLogger, type Logger, requestLineJson } from "./log";

const FLUSH_MS = 1_000;
const HANDOVER_CHARS = 4096;

export function nodeLogger(dest: number | string = 1): Logger & { flush(): void } {
  const destination = pino.destination({ dest, minLength: HANDOVER_CHARS, maxLength: 16 * 1024 * 1024, sync: false });
  // pino's own line: numeric level, epoch-ms time, no pid or host (its cheapest form).
  const logger = pino({ base: null }, destination);
  let gathered = "";
  // Request lines go out before any other line, so the log stays in order.
  const handOver = () => {
    if (gathered === "") return;
    destination.write(gathered);
    gathered = "";
  };
  const timer = setInterval(() => {
    handOver();
    destination.flush();
  }, FLUSH_MS);
  timer.unref();
  return {
    info(fields, message) {
      handOver();
      logger.info(fields, message);
    },
    warn(fields, message) {
      handOver();
      logger.warn(fields, message);
    },
    error(fields, message) {
      handOver();
      logger.error(fields, message);
    },
    // In pino's format, built without its serialiser (see requestLineJson).
    request(line) {
      gathered += requestLineJson(line);
      if (gathered.length >= HANDOVER_CHARS) handOver();
    },
    flush() {
      handOver();
      try {
        destination.flushSync();
      } catch {
        // Nothing buffered, or the destination is not ready yet: nothing to lose.
      }
    },
  };
}

/** No request lines; the service's warnings and errors as JSON lines on stderr (TICKBOX_LOG=off). */
export function quietLogger(): Logger & { flush(): void } {
  const lines = consoleLogger((line) => process.stderr.write(`${line}\n`));
  return { info() {}, warn: lines.warn, error: lines.error, request() {}, flush() {} };
}
