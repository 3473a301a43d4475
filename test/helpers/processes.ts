/** Helpers of the tests that run a whole devnet (`devnet:up`) as a child process: its children, liveness. */
import { spawnSync } from "node:child_process";

/** Direct children of `pid` (the devnet's supervised processes, each the leader of its own process group). */
export function childPids(pid: number): number[] {
  const r = spawnSync("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" });
  return r.stdout
    .split("\n")
    .map((s) => Number(s.trim()))
    .filter((n) => n > 0);
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGKILL to the process group of each of `pids` (the supervisor starts each child in its own group); gone ones are skipped. */
export function killGroups(pids: Iterable<number>): void {
  for (const pid of pids) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // gone
    }
  }
}
