// The processes a page's examples run in: `npm start` as a reader starts it, and one bash session
// per page, so that a variable set by one command is there for the next, as in a reader's terminal.
import { type ChildProcess, type SpawnOptions, spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { untilListening } from "../support/process";
import { root } from "./markdown";

const closings = new WeakMap<ChildProcess, Promise<void>>();

/**
 * Starts a command in a process group of its own, noting when every process holding its pipes
 * has gone: npm's exit alone says nothing of the server it started.
 */
function spawnGroup(command: string, args: string[], options: SpawnOptions): ChildProcess {
  const child = spawn(command, args, { ...options, detached: true });
  closings.set(child, new Promise((resolve) => child.once("close", () => resolve())));
  return child;
}

/** Stops a process group: SIGTERM, then SIGKILL if any of it lingers; resolves once all of it is gone. */
export async function stopGroup(child: ChildProcess, graceMs = 10_000): Promise<void> {
  const closed = closings.get(child)!;
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      // the group is gone already
    }
  };
  signal("SIGTERM");
  const timer = setTimeout(() => signal("SIGKILL"), graceMs);
  await closed;
  clearTimeout(timer);
}

/** `npm start` in a process group of its own, on a free port; resolves once it listens. */
export async function npmStart(env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const child = spawnGroup("npm", ["start"], {
    cwd: root,
    env: { ...process.env, ...env, PORT: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  child.stderr!.on("data", (d) => {
    err += d;
  });
  const url = await untilListening(child, (out) => `npm start printed:\n${out}\n${err}\nand exited`);
  return { url, child };
}

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * One bash session in `cwd`, fed commands one at a time. Each runs in the session itself (so `cd`
 * and variables persist), with stdin from /dev/null and `pipefail` on, its output captured to
 * files; its exit status comes back on file descriptor 3.
 */
export class Shell {
  private readonly child: ChildProcess;
  private readonly statuses: string[] = [];
  private waiting: (() => void) | null = null;
  private count = 0;
  private readonly outDir: string;

  constructor(cwd: string, env: Record<string, string | undefined>, outDir: string) {
    this.outDir = outDir;
    mkdirSync(outDir, { recursive: true });
    this.child = spawnGroup("bash", ["--noprofile", "--norc"], {
      cwd,
      env,
      stdio: ["pipe", "ignore", "ignore", "pipe"],
    });
    let pending = "";
    (this.child.stdio[3] as NodeJS.ReadableStream).on("data", (d: Buffer) => {
      pending += d;
      const lines = pending.split("\n");
      pending = lines.pop()!;
      this.statuses.push(...lines);
      this.waiting?.();
    });
    this.child.stdin!.write("set -o pipefail\n");
  }

  async run(command: string, timeoutMs: number): Promise<Ran> {
    const n = ++this.count;
    const out = join(this.outDir, `${n}.out`);
    const err = join(this.outDir, `${n}.err`);
    this.child.stdin!.write(`{\n${command}\n} >'${out}' 2>'${err}' </dev/null; printf '%s\\n' "$?" >&3\n`);
    const status = await new Promise<string | null>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting = null;
        resolve(null);
      }, timeoutMs);
      const check = () => {
        const s = this.statuses.shift();
        if (s === undefined) return;
        clearTimeout(timer);
        this.waiting = null;
        resolve(s);
      };
      this.waiting = check;
      check();
    });
    const read = (path: string) => {
      try {
        return readFileSync(path, "utf8");
      } catch {
        return "";
      }
    };
    return {
      code: status === null ? -1 : Number(status),
      stdout: read(out),
      stderr: status === null ? `${read(err)}\n(no exit after ${timeoutMs} ms)` : read(err),
    };
  }

  stop(): Promise<void> {
    this.child.stdin!.end();
    return stopGroup(this.child, 2000);
  }
}

/** A file in `dir` and its contents. */
export function writeIn(dir: string, name: string, text: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
