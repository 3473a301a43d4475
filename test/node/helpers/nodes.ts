/**
 * Real node processes for the node tests: genesis files (built once per content and cached), free ports,
 * node processes started through the light entry (node/cli.ts) and a JSON-RPC client.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { devWallet } from "../../../lib/accounts";
import { freePort, rpcCall, waitFor } from "../../helpers/net";

const ROOT = path.resolve(__dirname, "../../..");

export function devKey(index: number): { address: string; privateKey: string } {
  const w = devWallet(index);
  return { address: w.address, privateKey: w.privateKey };
}

export { freePort, waitFor };

function hashTree(dir: string, h: ReturnType<typeof createHash>): void {
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) hashTree(p, h);
    else h.update(p).update(readFileSync(p));
  }
}

/**
 * A genesis file for `validators` dev validators (accounts 1..N) and the given system config overrides, built with
 * `npx hardhat node:genesis` once per content of contracts/, deploy/, node/, ops/chain/, lib/ and the options (cached under
 * .luniverse/).
 */
export async function testGenesis(opts: { chainId: number; validators: number; systemConfig?: Record<string, unknown>; gasFree?: boolean }): Promise<string> {
  const h = createHash("sha256");
  hashTree(path.join(ROOT, "contracts"), h);
  hashTree(path.join(ROOT, "deploy"), h);
  hashTree(path.join(ROOT, "node"), h);
  hashTree(path.join(ROOT, "ops", "chain"), h); // buildGenesis
  hashTree(path.join(ROOT, "lib"), h);
  h.update(JSON.stringify(opts));
  const key = h.digest("hex").slice(0, 16);
  const dir = path.join(ROOT, ".luniverse", "test-genesis");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${opts.chainId}-${key}.json`);
  if (existsSync(file)) return file;
  const args = ["hardhat", "node:genesis", "--out", file, "--chain-id", String(opts.chainId), "--validators", String(Math.min(opts.validators, 4)), "--manifest", "", "--quiet"];
  let cfgFile: string | undefined;
  if (opts.systemConfig) {
    cfgFile = path.join(dir, `${opts.chainId}-${key}.system.json`);
    const validators = Array.from({ length: opts.validators }, (_, i) => devKey(i + 1).address);
    writeFileSync(cfgFile, JSON.stringify({ genesisValidators: validators, ...opts.systemConfig }));
    args.push("--system-config", cfgFile);
  }
  if (opts.gasFree) args.push("--gas-free");
  await run("npx", args, 300_000);
  return file;
}

export function run(cmd: string, args: string[], timeoutMs: number, env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${cmd} ${args.join(" ")} timed out after ${timeoutMs} ms:\n${out.slice(-4000)}`));
    }, timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(" ")} exited with ${code}:\n${out.slice(-6000)}`));
    });
  });
}

export interface NodeSpec {
  genesis: string;
  dataDir: string;
  rpcPort: number;
  p2pPort: number;
  peers: string[];
  /** Dev account index of the validator key, or null for a full node. */
  validator: number | null;
  config?: Record<string, unknown>;
  env?: Record<string, string>;
}

export class NodeProcess {
  proc: ChildProcess | null = null;
  readonly logFile: string;
  constructor(
    readonly spec: NodeSpec,
    readonly name: string,
  ) {
    this.logFile = path.join(spec.dataDir + ".log");
  }
  get rpc(): string {
    return `http://127.0.0.1:${this.spec.rpcPort}`;
  }
  get p2p(): string {
    return `ws://127.0.0.1:${this.spec.p2pPort}`;
  }

  async start(timeoutMs = 60_000): Promise<void> {
    const s = this.spec;
    const configFile = s.dataDir + ".config.json";
    const config = {
      genesis: s.genesis,
      dataDir: s.dataDir,
      rpc: { port: s.rpcPort },
      p2p: { port: s.p2pPort, peers: s.peers },
      validator: s.validator === null ? null : { privateKeyEnv: "LUNIVERSE_TEST_VALIDATOR_KEY" },
      consensus: { blockPeriodMs: 1000, proposalTimeoutMs: 2000 },
      ...s.config,
    };
    writeFileSync(configFile, JSON.stringify(config));
    const env: Record<string, string> = { ...(process.env as Record<string, string>), ...s.env };
    if (s.validator !== null) env.LUNIVERSE_TEST_VALIDATOR_KEY = devKey(s.validator).privateKey;
    const log = createWriteStream(this.logFile, { flags: "a" });
    const proc = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(ROOT, "node/cli.ts"), "--config", configFile], {
      cwd: ROOT,
      env: { ...env, TS_NODE_PROJECT: path.join(ROOT, "tsconfig.json") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.proc = proc;
    proc.stderr!.pipe(log);
    await new Promise<void>((resolve, reject) => {
      let buf = "";
      const timer = setTimeout(() => reject(new Error(`${this.name} did not start within ${timeoutMs} ms (log ${this.logFile})`)), timeoutMs);
      proc.stdout!.on("data", (d: Buffer) => {
        log.write(d);
        buf += d.toString();
        if (buf.includes('"event":"ready"')) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.on("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited with ${code} before it was ready:\n${readFileSync(this.logFile, "utf8").slice(-3000)}`));
      });
    });
    proc.removeAllListeners("exit");
  }

  /** SIGTERM and wait for a clean exit (SIGKILL after 10 s). */
  async stop(): Promise<number | null> {
    return this.signal("SIGTERM");
  }
  async kill9(): Promise<void> {
    await this.signal("SIGKILL");
  }
  private async signal(sig: NodeJS.Signals): Promise<number | null> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return p?.exitCode ?? null;
    return new Promise((resolve) => {
      const timer = setTimeout(() => p.kill("SIGKILL"), 10_000);
      p.once("exit", (code) => {
        clearTimeout(timer);
        resolve(code);
      });
      p.kill(sig);
    });
  }
  get running(): boolean {
    return this.proc !== null && this.proc.exitCode === null && this.proc.signalCode === null;
  }
}

/** A cluster of nodes sharing one genesis; every node peers with every other. */
export async function makeCluster(genesis: string, validators: (number | null)[], extra: { env?: (i: number) => Record<string, string>; config?: Record<string, unknown> | ((i: number) => Record<string, unknown>) } = {}): Promise<{ nodes: NodeProcess[]; dir: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), "luniverse-cluster-"));
  const p2pPorts: number[] = [];
  const rpcPorts: number[] = [];
  // a port freed by one call may come back from the next: every port of the cluster distinct
  const taken = new Set<number>();
  const distinctPort = async (): Promise<number> => {
    for (;;) {
      const p = await freePort();
      if (!taken.has(p)) return (taken.add(p), p);
    }
  };
  for (let i = 0; i < validators.length; i++) {
    p2pPorts.push(await distinctPort());
    rpcPorts.push(await distinctPort());
  }
  const nodes = validators.map(
    (v, i) =>
      new NodeProcess(
        {
          genesis,
          dataDir: path.join(dir, `node${i}`),
          rpcPort: rpcPorts[i]!,
          p2pPort: p2pPorts[i]!,
          peers: p2pPorts.filter((_, j) => j !== i).map((p) => `ws://127.0.0.1:${p}`),
          validator: v,
          env: extra.env?.(i),
          config: typeof extra.config === "function" ? extra.config(i) : extra.config,
        },
        `node${i}`,
      ),
  );
  return { nodes, dir };
}

export async function stopAll(nodes: NodeProcess[], dir?: string): Promise<void> {
  await Promise.all(nodes.map((n) => n.stop().catch(() => undefined)));
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/** One JSON-RPC call over HTTP (see test/helpers/net.ts). */
export const rpc = rpcCall;

export async function height(url: string): Promise<number> {
  return Number(await rpc<string>(url, "eth_blockNumber"));
}
