import { TickboxError } from "../../client/src/index";

/** The exit statuses of `tickbox`, one per thing a script may want to tell apart. */
export const EXIT = {
  ok: 0,
  someFailed: 1,
  input: 2,
  auth: 3,
  unavailable: 4,
  sigint: 130,
  sigterm: 143,
} as const;

export const EXIT_HELP = `
Exit status:
  0    done
  1    done, but some items failed (eval: their problems are in the results; calibrate: left out)
  2    bad arguments or input: an unreadable or invalid file, or a 4xx answer that names what is wrong
  3    not authorised: 401 (no key or a wrong one; give --api-key or TICKBOX_API_KEY) or 403 (the key lacks a scope)
  4    the server or its upstream model failed or could not be reached (5xx, 429, connection refused)
  130  stopped by Ctrl-C (SIGINT); 143 by SIGTERM. Finished work is kept: run the same command to continue
`;

/** A failure the CLI explains itself, with the exit status it ends in. */
export class CliError extends Error {
  override name = "CliError";
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** A 4xx answer's field errors, a line each. */
function fieldLines(error: TickboxError): string {
  return (error.problem?.errors ?? []).map((e) => `  ${e.path || "/"}: ${e.message}\n`).join("");
}

/** Any failure as the message to print and the exit status to end with. */
export function failureOf(error: unknown): { code: number; message: string } {
  if (error instanceof CliError) return { code: error.exitCode, message: error.message };
  if (error instanceof TickboxError) {
    const what = `${error.status} from ${error.method.toUpperCase()} ${error.url}: ${error.problem?.detail ?? "(no problem body)"}`;
    if (error.status === 401) {
      return { code: EXIT.auth, message: `${what}\nthe server wants a valid API key: give one with --api-key or the TICKBOX_API_KEY variable` };
    }
    if (error.status === 403) return { code: EXIT.auth, message: `${what}\nthe API key lacks the scope this command needs` };
    if (error.status === 429 || error.status >= 500) return { code: EXIT.unavailable, message: what };
    return { code: EXIT.input, message: `${what}\n${fieldLines(error)}`.trimEnd() };
  }
  return { code: EXIT.unavailable, message: error instanceof Error ? (error.stack ?? error.message) : String(error) };
}
