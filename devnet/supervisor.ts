/**
 * A small process supervisor: starts child processes with their output piped, line by line and prefixed with a
 * timestamp, into one log file each; waits until each is ready (a line on its stdout, or a probe such as an RPC
 * call); restarts a child that dies, with exponential backoff, and gives up after `maxQuickDeaths` deaths in a row
 * that each came soon after a start; stops every child cleanly (SIGTERM to its process group, SIGKILL after a grace
 * period).
 *
 * Children are started in their own process group (`detached`), so a Ctrl-C on the terminal reaches the supervisor
 * only and the supervisor decides the order of shutdown; a child's own children are stopped with it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { EventEmitter } from "node:events";
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import path from "node:path";
import { LuniverseError } from "../lib/errors";

/** How to start, recognise as ready and restart one child process. */
export interface ChildSpec {
  /** Short unique name: log prefix and log file `<logDir>/<name>.log`. */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Ready when a stdout line matches (checked on every line until ready). */
  readyLine?: RegExp;
  /** Ready when this resolves true (polled every `probeEveryMs`). */
  probe?: () => Promise<boolean>;
  /** Give up waiting for readiness after this long (default 120 s): the start fails. */
  readyTimeoutMs?: number;
  /** A death before the child has lived this long counts as quick (default 10 s). */
  quickDeathMs?: number;
  /** Quick deaths in a row after which the supervisor gives up on the child (default 5). */
  maxQuickDeaths?: number;
  /** First restart delay (default 500 ms); doubles per quick death, capped at `maxBackoffMs` (default 15 s). */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Restart when it dies (default true). */
  restart?: boolean;
}

export interface SupervisorOptions {
  /** Folder of the log files (created). */
  logDir: string;
  /** Grace period between SIGTERM and SIGKILL at stop (default 10 s). */
  stopTimeoutMs?: number;
  /** Milliseconds between readiness probes (default 250). */
  probeEveryMs?: number;
}

export type SupervisorErrorCode = "DEVNET_CHILD_NOT_READY" | "DEVNET_CHILD_GAVE_UP" | "DEVNET_CHILD_EXISTS" | "DEVNET_STOPPING";

export class SupervisorError extends LuniverseError<SupervisorErrorCode> {
  override name = "SupervisorError";
}

/** State of one supervised child. */
export interface ChildState {
  spec: ChildSpec;
  proc: ChildProcess | null;
  pid: number | null;
  ready: boolean;
  starts: number;
  quickDeaths: number;
  gaveUp: boolean;
  logFile: string;
  /** Last lines of output (both streams), for error messages. */
  tail: string[];
}

/**
 * Events: `exit` (name, code, signal) for an unexpected death, `restart` (name, attempt, delayMs), `ready` (name, pid),
 * `gaveUp` (name, message) when a child died `maxQuickDeaths` times in a row soon after starting.
 */
export class Supervisor extends EventEmitter {
  private readonly children = new Map<string, ChildState>();
  private readonly logs = new Map<string, WriteStream>();
  private stopping = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(readonly options: SupervisorOptions) {
    super();
    mkdirSync(options.logDir, { recursive: true });
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  state(name: string): ChildState | undefined {
    return this.children.get(name);
  }

  /** Every child's pid that is running now. */
  pids(): number[] {
    return [...this.children.values()].map((c) => c.pid).filter((p): p is number => p !== null);
  }

  /** Starts a child and resolves once it is ready; rejects if it dies for good or is not ready in time. */
  async start(spec: ChildSpec): Promise<ChildState> {
    if (this.stopping) throw new SupervisorError("DEVNET_STOPPING", `not starting ${spec.name}: the supervisor is stopping`);
    if (this.children.has(spec.name)) throw new SupervisorError("DEVNET_CHILD_EXISTS", `a child named ${spec.name} is already supervised`);
    const state: ChildState = { spec, proc: null, pid: null, ready: false, starts: 0, quickDeaths: 0, gaveUp: false, logFile: path.join(this.options.logDir, `${spec.name}.log`), tail: [] };
    this.children.set(spec.name, state);
    await this.launch(state);
    return state;
  }

  private log(name: string): WriteStream {
    let s = this.logs.get(name);
    if (!s) {
      s = createWriteStream(path.join(this.options.logDir, `${name}.log`), { flags: "a" });
      this.logs.set(name, s);
    }
    return s;
  }

  private writeLine(state: ChildState, stream: "out" | "err", line: string): void {
    this.log(state.spec.name).write(`${new Date().toISOString()} [${state.spec.name}${stream === "err" ? ":err" : ""}] ${line}\n`);
    state.tail.push(line);
    if (state.tail.length > 30) state.tail.shift();
  }

  /** Spawns the process once and waits for readiness (restarts are handled by the exit handler). */
  private launch(state: ChildState): Promise<void> {
    const { spec } = state;
    state.starts++;
    state.ready = false;
    const startedAt = Date.now();
    const proc = spawn(spec.command, spec.args, { cwd: spec.cwd, env: { ...process.env, ...spec.env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
    state.proc = proc;
    state.pid = proc.pid ?? null;
    this.writeLine(state, "out", `--- start #${state.starts}: ${spec.command} ${spec.args.join(" ")} (pid ${proc.pid ?? "?"})`);

    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (err?: Error): void => {
        if (settled) return;
        settled = true;
        if (err) reject(err);
        else resolve();
      };
      const markReady = (): void => {
        if (state.ready || state.proc !== proc) return;
        state.ready = true;
        this.emit("ready", spec.name, proc.pid);
        settle();
      };
      const lineReader = (stream: "out" | "err") => {
        let buf = "";
        return (chunk: Buffer): void => {
          buf += chunk.toString();
          const parts = buf.split("\n");
          buf = parts.pop() ?? "";
          for (const line of parts) {
            this.writeLine(state, stream, line);
            if (stream === "out" && !state.ready && spec.readyLine?.test(line)) markReady();
          }
        };
      };
      proc.stdout!.on("data", lineReader("out"));
      proc.stderr!.on("data", lineReader("err"));
      proc.on("error", (err) => {
        this.writeLine(state, "err", `spawn error: ${err.message}`);
      });

      const readyTimeout = spec.readyTimeoutMs ?? 120_000;
      const deadline = Date.now() + readyTimeout;
      if (!spec.readyLine && !spec.probe) markReady();
      if (spec.probe) {
        const poll = async (): Promise<void> => {
          if (state.ready || settled || state.proc !== proc || this.stopping) return;
          let ok = false;
          try {
            ok = await spec.probe!();
          } catch {
            ok = false;
          }
          if (ok) return markReady();
          this.later(() => void poll(), this.options.probeEveryMs ?? 250);
        };
        void poll();
      }
      const timer = this.later(() => {
        if (state.ready || settled || state.proc !== proc) return;
        settle(new SupervisorError("DEVNET_CHILD_NOT_READY", `${spec.name} was not ready after ${Math.round(readyTimeout / 1000)} s; see ${state.logFile}\n  last output:\n    ${state.tail.slice(-8).join("\n    ")}`));
      }, Math.max(0, deadline - Date.now()));

      proc.on("exit", (code, signal) => {
        clearTimeout(timer);
        this.timers.delete(timer);
        if (state.proc === proc) {
          state.proc = null;
          state.pid = null;
          state.ready = false;
        }
        this.writeLine(state, "out", `--- exited (code ${code ?? "-"}, signal ${signal ?? "-"})`);
        if (this.stopping) return settle(new SupervisorError("DEVNET_STOPPING", `${spec.name} stopped while starting`));
        this.emit("exit", spec.name, code, signal);
        const lived = Date.now() - startedAt;
        if (lived < (spec.quickDeathMs ?? 10_000)) state.quickDeaths++;
        else state.quickDeaths = 1;
        if (spec.restart === false) return settle(new SupervisorError("DEVNET_CHILD_GAVE_UP", `${spec.name} exited (code ${code}, signal ${signal}); see ${state.logFile}`));
        const max = spec.maxQuickDeaths ?? 5;
        if (state.quickDeaths >= max) {
          state.gaveUp = true;
          const message =
            `${spec.name} died ${state.quickDeaths} times in a row within ${Math.round((spec.quickDeathMs ?? 10_000) / 1000)} s of starting; giving up. ` +
            `See ${state.logFile}; last output:\n    ${state.tail.slice(-8).join("\n    ")}`;
          this.emit("gaveUp", spec.name, message);
          return settle(new SupervisorError("DEVNET_CHILD_GAVE_UP", message));
        }
        const delay = Math.min((spec.backoffMs ?? 500) * 2 ** Math.max(0, state.quickDeaths - 1), spec.maxBackoffMs ?? 15_000);
        this.emit("restart", spec.name, state.starts + 1, delay);
        this.later(() => {
          if (this.stopping) return settle(new SupervisorError("DEVNET_STOPPING", `${spec.name} not restarted: stopping`));
          // a restart during the first start keeps the first start's promise waiting for readiness
          this.launch(state).then(() => settle(), (e: Error) => settle(e));
        }, delay);
      });
    });
  }

  private later(fn: () => void, ms: number): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
    return t;
  }

  /**
   * Stops every child: SIGTERM to each process group (in reverse start order, `order` given names first), waits,
   * SIGKILL after the grace period. Resolves when every child has exited.
   */
  async stopAll(order: string[] = []): Promise<void> {
    this.stopping = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const all = [...this.children.values()].reverse();
    const first = order.map((n) => this.children.get(n)).filter((c): c is ChildState => c !== undefined);
    const rest = all.filter((c) => !first.includes(c));
    for (const group of [first, rest]) {
      await Promise.all(group.map((c) => this.stopOne(c)));
    }
    await Promise.all([...this.logs.values()].map((s) => new Promise<void>((r) => s.end(r))));
    this.logs.clear();
  }

  private stopOne(c: ChildState): Promise<void> {
    const proc = c.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const kill = (sig: NodeJS.Signals): void => {
        try {
          if (proc.pid) process.kill(-proc.pid, sig);
        } catch {
          try {
            proc.kill(sig);
          } catch {
            // already gone
          }
        }
      };
      const t = setTimeout(() => kill("SIGKILL"), this.options.stopTimeoutMs ?? 10_000);
      proc.once("exit", () => {
        clearTimeout(t);
        // whatever is left of its process group
        try {
          if (proc.pid) process.kill(-proc.pid, "SIGKILL");
        } catch {
          // none left
        }
        resolve();
      });
      kill("SIGTERM");
    });
  }
}
