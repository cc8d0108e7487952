import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";

const root = resolve(import.meta.dirname, "../..");

/** Starts a TypeScript entry of this repository in its own Node process on a free port. */
export async function startProcess(script: string, env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ["--import", "tsx", resolve(root, script)], {
    cwd: root,
    env: { ...process.env, ...env, PORT: "0" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await untilListening(child, () => `${script} exited`);
  return { url, child };
}

/**
 * The URL a server child prints once it listens; rejects if it exits first, with `why` (given what
 * it printed). Its stdout is drained from then on: the server logs every request there.
 */
export function untilListening(child: ChildProcess, why: (printed: string) => string): Promise<string> {
  return new Promise<string>((resolveUrl, reject) => {
    let out = "";
    const onData = (d: Buffer) => {
      out += d;
      const m = /listening on (http:\/\/[^\s"]+)/.exec(out);
      if (!m) return;
      child.stdout!.off("data", onData);
      child.stdout!.resume();
      resolveUrl(m[1]!);
    };
    child.stdout!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`${why(out)} with ${code}`)));
  });
}
