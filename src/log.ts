// Structured logs: one JSON object a line. Node uses pino (src/log-node.ts); Workers, whose console
// is their log, get the same lines from `consoleLogger`. Nothing here imports a Node module.

export type LogFields = Record<string, unknown>;

/** The subset of pino's API the service uses, so that any runtime can supply one. */
export interface Logger {
  info(fields: LogFields, message?: string): void;
  warn(fields: LogFields, message?: string): void;
  error(fields: LogFields, message?: string): void;
}

/** Drops everything: the default where no log is wanted (tests building apps in-process). */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

const LEVELS = { info: 30, warn: 40, error: 50 } as const;

/** pino's line format (level number, ISO time, msg) written with console.log: the Workers logger. */
export function consoleLogger(write: (line: string) => void = (line) => console.log(line)): Logger {
  const line = (level: keyof typeof LEVELS) => (fields: LogFields, message?: string) => {
    write(JSON.stringify({ level: LEVELS[level], time: new Date().toISOString(), ...fields, ...(message ? { msg: message } : {}) }));
  };
  return { info: line("info"), warn: line("warn"), error: line("error") };
}

/** An error as a log field: its name, message and stack, never an object that may carry secrets. */
export function errorFields(error: unknown): LogFields {
  if (!(error instanceof Error)) return { error: String(error) };
  return { error: { name: error.name, message: error.message, stack: error.stack } };
}
