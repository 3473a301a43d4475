import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { rpcCall } from "../../../lib/chain";
import { GiveUp, waitFor } from "../../helpers/net";

/** The repository root (test/services/anchor → ../../..). */
export const ROOT = path.resolve(__dirname, "..", "..", "..");

export { freePort, GiveUp, waitFor } from "../../helpers/net";

export interface Proc {
  name: string;
  child: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
  /** Output so far (for failure messages). */
  output(): string;
}

/** Starts `command` in its own process group (so stopping it stops its children too). */
export function start(name: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): Proc {
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  let partial = "";
  const onData = (chunk: Buffer): void => {
    const parts = (partial + chunk.toString("utf8")).split("\n");
    partial = parts.pop() ?? "";
    lines.push(...parts);
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { name, child, lines, exited, output: () => [...lines, partial].join("\n") };
}

/** Sends `signal` to the process (and, for SIGKILL, to its group); resolves with the exit code. */
export async function stop(p: Proc | undefined, signal: NodeJS.Signals = "SIGTERM", timeoutMs = 10_000): Promise<number | null> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return p?.child.exitCode ?? null;
  try {
    process.kill(p.child.pid!, signal);
  } catch {
    return p.child.exitCode;
  }
  const timer = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), timeoutMs));
  const result = await Promise.race([p.exited, timer]);
  if (result === "timeout") {
    try {
      process.kill(-p.child.pid!, "SIGKILL");
    } catch {
      // already gone
    }
    return p.exited;
  }
  return result;
}

/** Kills a process group for good (after(): whatever state the test left it in). */
export async function kill(p: Proc | undefined): Promise<void> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
  try {
    process.kill(-p.child.pid!, "SIGKILL");
  } catch {
    // already gone
  }
  await p.exited;
}

/** Starts an anvil node on 127.0.0.1:`port` with chain id `chainId` (automine) and waits until it answers. */
export async function startAnvil(name: string, port: number, chainId: number, extra: string[] = []): Promise<Proc> {
  const p = start(name, path.join(ROOT, "node_modules", ".bin", "anvil"), ["--host", "127.0.0.1", "--port", String(port), "--chain-id", String(chainId), "--silent", ...extra]);
  await waitFor(`${name} on port ${port}`, async () => {
    if (p.child.exitCode !== null) throw new GiveUp(`${name} exited: ${p.output()}`);
    return (await rpcCall(`http://127.0.0.1:${port}`, "eth_chainId", [], 1_000)) !== undefined;
  }, 20_000);
  return p;
}

/** Starts `npx hardhat <args>` as a separate process. */
export function startHardhat(name: string, args: string[], env: NodeJS.ProcessEnv = {}): Proc {
  return start(name, path.join(ROOT, "node_modules", ".bin", "hardhat"), args, env);
}

/** The JSON log lines of a process, parsed (non-JSON lines skipped). */
export function jsonLines(p: Proc): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const l of p.lines) {
    if (!l.startsWith("{")) continue;
    try {
      out.push(JSON.parse(l) as Record<string, unknown>);
    } catch {
      // partial or foreign line
    }
  }
  return out;
}
