import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";

const root = resolve(import.meta.dirname, "../..");
export const BIN = resolve(root, "bin/tickbox.js");

export interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Called on every chunk of stderr with all of it so far; may signal the process. */
  onStderr?: (text: string, child: ChildProcess) => void;
}

/**
 * `tickbox …` as a user runs it: bin/tickbox.js in its own process, stdout and stderr pipes (not
 * a terminal), the environment of the tests minus anything that would pick a key or a server.
 */
export function tickbox(args: string[], options: RunOptions = {}): Promise<Ran> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    TICKBOX_API_KEY: undefined,
    TICKBOX_ADMIN_KEY: undefined,
    TICKBOX_SERVER: undefined,
    ...options.env,
  };
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd ?? root, env: env as NodeJS.ProcessEnv });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => {
      stderr += d;
      options.onStderr?.(stderr, child);
    });
    child.on("error", fail);
    child.on("close", (code, signal) => done({ code, signal, stdout, stderr }));
  });
}
