import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Runner } from "./service";

/** Whether a process of this host is running (signal 0 checks without signalling). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

/**
 * This Node process as a batch runner: `host/pid/random`. A runner of the same host whose process
 * no longer exists is gone, so a restarted server (even after kill -9) resumes its batches at once
 * rather than after the lease times out. A runner with this process's own pid but another id is an
 * earlier life of it (a container restarted with the same pid).
 */
export function nodeRunner(): Runner {
  const host = hostname();
  const id = `${host}/${process.pid}/${randomUUID().slice(0, 8)}`;
  return {
    id,
    gone(other) {
      const [otherHost, otherPid] = other.split("/");
      const pid = Number(otherPid);
      if (otherHost !== host || !Number.isInteger(pid) || pid <= 0) return false;
      return pid === process.pid ? other !== id : !alive(pid);
    },
  };
}
