/**
 * Child processes of the benchmark (nodes, anvil, genesis builds): start, wait for a line, stop, read peak memory,
 * and clean everything up on exit or Ctrl-C (every process started here, and the temp folder).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import readline from "node:readline";

export interface Proc {
  name: string;
  child: ChildProcess;
  pid: number;
  logFile: string;
  exited: Promise<number | null>;
  exitCode: number | null | undefined;
  /** stdout lines seen so far (kept short: only for ready lines and error reports). */
  stdout: string[];
}

const live = new Set<Proc>();
const tempDirs = new Set<string>();

export interface SpawnOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** stderr (and stdout, as copied lines) goes here. */
  logFile: string;
}

export function spawnProc(name: string, cmd: string, args: string[], opts: SpawnOptions): Proc {
  const fd = openSync(opts.logFile, "a");
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ["ignore", "pipe", fd] });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start ${name}: ${cmd} ${args.join(" ")}`);
  const proc: Proc = {
    name,
    child,
    pid: child.pid,
    logFile: opts.logFile,
    exitCode: undefined,
    stdout: [],
    exited: new Promise((resolve) => child.on("exit", (code, signal) => resolve(code ?? (signal ? -1 : null)))),
  };
  void proc.exited.then((c) => {
    proc.exitCode = c;
    live.delete(proc);
  });
  const rl = readline.createInterface({ input: child.stdout! });
  rl.on("line", (line) => {
    if (proc.stdout.length < 200) proc.stdout.push(line);
  });
  live.add(proc);
  return proc;
}

/** Resolves with the first stdout line that `match` accepts; rejects if the process exits or time runs out. */
export function waitForLine(proc: Proc, match: (line: string) => boolean, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const seen = proc.stdout.find(match);
    if (seen !== undefined) return resolve(seen);
    const rl = readline.createInterface({ input: proc.child.stdout! });
    const done = (fn: () => void) => {
      clearTimeout(timer);
      rl.close();
      fn();
    };
    const timer = setTimeout(() => done(() => reject(new Error(`${proc.name}: no ready line within ${timeoutMs} ms; log: ${proc.logFile}\n${tail(proc.logFile, 15)}`))), timeoutMs);
    rl.on("line", (line) => {
      if (match(line)) done(() => resolve(line));
    });
    void proc.exited.then((code) => done(() => reject(new Error(`${proc.name} exited (code ${code}) before it was ready; log: ${proc.logFile}\n${tail(proc.logFile, 15)}`))));
  });
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
export async function stopProc(proc: Proc, graceMs = 15_000): Promise<number | null> {
  if (proc.exitCode !== undefined) return proc.exitCode;
  proc.child.kill("SIGTERM");
  const timer = setTimeout(() => proc.child.kill("SIGKILL"), graceMs);
  const code = await proc.exited;
  clearTimeout(timer);
  return code;
}

/** Last `n` lines of a file. */
export function tail(file: string, n: number): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-n).join("\n");
  } catch {
    return "";
  }
}

function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** VmHWM (peak resident set) in KiB of `pid` and, when it is a wrapper (npx), the largest of its descendants. */
export function peakRssKiB(pid: number): number | null {
  let best: number | null = null;
  const visit = (p: number) => {
    try {
      const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${p}/status`, "utf8"));
      if (m) best = Math.max(best ?? 0, Number(m[1]));
    } catch {
      // gone or not Linux
    }
    for (const c of children(p)) visit(c);
  };
  visit(pid);
  return best;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export function registerTempDir(dir: string): void {
  tempDirs.add(dir);
}

let installed = false;

/** On Ctrl-C / SIGTERM: stop every child (gracefully, then by force), delete the temp folders, exit 130. */
export function installCleanup(): void {
  if (installed) return;
  installed = true;
  let stopping = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\n${sig}: stopping ${live.size} child process(es) and removing temp files...\n`);
    void Promise.all([...live].map((p) => stopProc(p, 5_000))).finally(() => {
      removeTempDirs();
      process.exit(130);
    });
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.on("exit", () => {
    for (const p of live) p.child.kill("SIGKILL");
    removeTempDirs();
  });
}

export function removeTempDirs(): void {
  for (const d of tempDirs) if (existsSync(d)) rmSync(d, { recursive: true, force: true });
  tempDirs.clear();
}

export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((p) => stopProc(p)));
}
