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
  const url = await new Promise<string>((resolveUrl, reject) => {
    let out = "";
    const onData = (d: Buffer) => {
      out += d;
      const m = /listening on (http:\/\/[^\s"]+)/.exec(out);
      if (!m) return;
      // The server logs every request to stdout: from here on it is drained, not kept.
      child.stdout!.off("data", onData);
      child.stdout!.resume();
      resolveUrl(m[1]!);
    };
    child.stdout!.on("data", onData);
    child.on("exit", (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return { url, child };
}
