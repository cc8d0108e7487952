import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import type { Runner } from "./service";

interface ProcessState {
  /** One letter: R running, S sleeping, … Z zombie, X dead. */
  state: string;
  /** When it started, in clock ticks since boot: with the pid, names one process for good. */
  startTicks: string;
}

/**
 * A process's state from /proc/<pid>/stat: null when there is no such process; undefined where
 * there is no /proc to ask (not Linux).
 */
export function processState(pid: number): ProcessState | null | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") return undefined;
    try {
      readFileSync("/proc/self/stat");
      return null;
    } catch {
      return undefined;
    }
  }
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read from the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { state: fields[0] ?? "", startTicks: fields[19] ?? "" };
}

/** Whether a process exists, by signal 0, where /proc cannot say (it reports zombies as alive). */
function signalable(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

/**
 * Whether the process `pid` of this host, which started at `startTicks` when known, is still
 * running. A zombie (killed, not yet reaped by its parent: after `kill -9` of an `npm start` process
 * group it can stay so for long) is not; nor is a new process that reuses the pid.
 */
export function processRunning(pid: number, startTicks?: string): boolean {
  const found = processState(pid);
  if (found === undefined) return signalable(pid);
  if (found === null || found.state === "Z" || found.state === "X") return false;
  return !startTicks || startTicks === "-" || found.startTicks === startTicks;
}

/**
 * This Node process as a batch runner: `host/pid/start/random`, `start` being its start time in
 * clock ticks (`-` without /proc). A runner of this host whose process is no longer running (gone,
 * a zombie, or its pid now another process's) is gone, so a restarted server, even after kill -9,
 * takes its batches over at once rather than after the lease runs out. A runner with this process's
 * own pid but another id is an earlier life of it (a container restarted with the same pid).
 */
export function nodeRunner(): Runner {
  const host = hostname();
  const start = processState(process.pid)?.startTicks || "-";
  const id = `${host}/${process.pid}/${start}/${randomUUID().slice(0, 8)}`;
  return {
    id,
    gone(other) {
      const parts = other.split("/");
      const pid = Number(parts[1]);
      if (parts[0] !== host || !Number.isInteger(pid) || pid <= 0) return false;
      if (pid === process.pid) return other !== id;
      // Ids written before the start token was added have three parts: host/pid/random.
      return !processRunning(pid, parts.length >= 4 ? parts[2] : undefined);
    },
  };
}
