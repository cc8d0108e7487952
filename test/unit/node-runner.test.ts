// A lease's owner is alive only if its process is running: not a zombie (killed, not reaped: what
// `kill -9` of an `npm start` group leaves behind), not a new process that reuses its pid.
import { spawn } from "node:child_process";
import { hostname } from "node:os";
import { afterAll, describe, expect, it } from "vitest";
import { nodeRunner, processRunning, processState } from "../../src/batches/node-runner";

const parents: number[] = [];
afterAll(() => {
  for (const pid of parents) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone already
    }
  }
});

/**
 * A zombie: a child that has exited under a parent that never reaps it (the shell `exec`s into
 * `sleep`, which does not wait for children). Returns its pid once /proc shows it as Z.
 */
async function zombie(): Promise<number> {
  const parent = spawn("sh", ["-c", "sleep 0.05 & echo $!; exec sleep 30"], { stdio: ["ignore", "pipe", "ignore"] });
  parents.push(parent.pid!);
  const pid = await new Promise<number>((resolve) => parent.stdout!.once("data", (d) => resolve(Number(String(d).trim()))));
  for (let i = 0; i < 200 && processState(pid)?.state !== "Z"; i++) await new Promise((r) => setTimeout(r, 10));
  return pid;
}

describe("batch runner liveness on Node", () => {
  it("a zombie is gone, though signal 0 still finds it", async () => {
    const pid = await zombie();
    expect(processState(pid)?.state).toBe("Z");
    expect(() => process.kill(pid, 0)).not.toThrow();
    expect(processRunning(pid)).toBe(false);
    expect(nodeRunner().gone(`${hostname()}/${pid}/-/abcd1234`)).toBe(true);
    // Ids written before start tokens existed (host/pid/random) are read the same way.
    expect(nodeRunner().gone(`${hostname()}/${pid}/abcd1234`)).toBe(true);
  });

  it("a running process is not gone, unless its pid now names a process that started at another time", () => {
    const live = spawn("sleep", ["30"], { stdio: "ignore" });
    parents.push(live.pid!);
    const started = processState(live.pid!)!.startTicks;
    expect(nodeRunner().gone(`${hostname()}/${live.pid}/${started}/abcd1234`)).toBe(false);
    expect(nodeRunner().gone(`${hostname()}/${live.pid}/${Number(started) - 1}/abcd1234`)).toBe(true);
  });

  it("a pid with no process is gone; another host's runner is never known to be", () => {
    const runner = nodeRunner();
    expect(runner.gone(`${hostname()}/2147483646/-/abcd1234`)).toBe(true);
    expect(runner.gone("elsewhere/1/-/abcd1234")).toBe(false);
  });

  it("this process's own id is not gone; an earlier life of its pid is", () => {
    const runner = nodeRunner();
    expect(runner.id).toMatch(new RegExp(`^${hostname()}/${process.pid}/\\d+/[0-9a-f]{8}$`));
    expect(runner.gone(runner.id)).toBe(false);
    expect(runner.gone(`${hostname()}/${process.pid}/1/00000000`)).toBe(true);
  });
});
