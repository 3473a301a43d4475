/**
 * The systems under test: our node (1 or 4 validator processes, built from a genesis made once per run) and anvil
 * (automine or `--block-time 1`), each started fresh for a scenario and stopped after it.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { freePort, peakRssKiB, spawnProc, stopProc, tail, waitForLine, type Proc } from "./procs";
import { devAccounts } from "./workload";

export const REPO = path.resolve(__dirname, "../..");

export interface System {
  kind: "luniverse" | "anvil";
  chainId: bigint;
  /** RPC URL of each process (clients are spread over them). */
  urls: string[];
  procs: Proc[];
  /** Dev accounts that may fund bench senders (never a validator's own account). */
  funders: number[];
}

export interface GenesisOptions {
  dir: string;
  validators: 1 | 4;
  gasLimit: number;
  log: (msg: string) => void;
  /** A gas-free product chain (`node:genesis --gas-free`: base fee 0). */
  gasFree?: boolean;
  /**
   * Overrides of deploy/config.ts for `node:genesis --system-config` (JSON-serialisable; bigints as decimal strings).
   * The genesis validators are dev accounts 1..`validators` unless it names them.
   */
  systemConfig?: Record<string, unknown>;
}

/** Builds (or reuses, when the file is there) a genesis via `npx hardhat node:genesis`; returns its path. */
export async function genesisFile(o: GenesisOptions): Promise<{ file: string; chainId: bigint }> {
  const chainId = 46060n + BigInt(o.validators);
  // a gas-free chain or a system config gets its own file, named after a hash of both
  const variant =
    o.gasFree || o.systemConfig
      ? `-${o.gasFree ? "gasfree-" : ""}${createHash("sha256").update(JSON.stringify(o.systemConfig ?? {})).digest("hex").slice(0, 12)}`
      : "";
  const file = path.join(o.dir, `genesis-${o.validators}v-${o.gasLimit}${variant}.json`);
  if (existsSync(file)) return { file, chainId };
  mkdirSync(o.dir, { recursive: true });
  const extra: string[] = [];
  if (o.gasFree) extra.push("--gas-free");
  if (o.systemConfig) {
    const cfgFile = file.replace(/\.json$/, ".system.json");
    const genesisValidators = devAccounts(1 + o.validators).slice(1).map((a) => a.address);
    writeFileSync(cfgFile, JSON.stringify({ genesisValidators, ...o.systemConfig }, null, 2));
    extra.push("--system-config", cfgFile);
  }
  // node:genesis rewrites the upgrades plugin's record for this chain id; leave the checkout as it was
  const ozFile = path.join(REPO, ".openzeppelin", `unknown-${chainId}.json`);
  const ozBefore = existsSync(ozFile) ? readFileSync(ozFile) : null;
  o.log(`building genesis (${o.validators} validator${o.validators > 1 ? "s" : ""}, gas limit ${o.gasLimit.toLocaleString("en-US")}) ...`);
  const logFile = path.join(o.dir, `genesis-${o.validators}v.log`);
  const proc = spawnProc(
    `genesis-${o.validators}v`,
    "npx",
    ["hardhat", "node:genesis", "--out", file, "--chain-id", String(chainId), "--validators", String(o.validators), "--gas-limit", String(o.gasLimit), "--manifest", "", "--quiet", ...extra],
    { cwd: REPO, logFile, env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: "true" } },
  );
  const code = await proc.exited;
  if (ozBefore) writeFileSync(ozFile, ozBefore);
  else rmSync(ozFile, { force: true });
  if (code !== 0 || !existsSync(file)) throw new Error(`node:genesis failed (exit ${code}); log ${logFile}:\n${tail(logFile, 20)}`);
  return { file, chainId };
}

export interface NodeStartOptions {
  dir: string;
  genesis: string;
  chainId: bigint;
  validators: 1 | 4;
  maxTxsPerBlock: number;
  blockPeriodMs: number;
  /** pool.recoveryWorkers of every validator (null: the node's default). */
  recoveryWorkers?: number | null;
  /** node --max-old-space-size of every validator (null: V8's default). */
  heapMiB?: number | null;
  /** Start validator 1 with `node --cpu-prof` writing into this folder. */
  cpuProfDir?: string;
  /** Sections merged into every validator's node config (e.g. `gasFree`), key by key within a section. */
  nodeConfig?: Record<string, Record<string, unknown>>;
}

/** Starts 1 or 4 validator processes (`node/cli.ts`), each validator i = dev account i, fully meshed. */
export async function startLuniverse(o: NodeStartOptions): Promise<System> {
  const keys = devAccounts(1 + o.validators);
  const p2pPorts = await Promise.all(Array.from({ length: o.validators }, () => freePort()));
  const procs: Proc[] = [];
  try {
    for (let i = 0; i < o.validators; i++) {
      const dir = path.join(o.dir, `v${i + 1}`);
      mkdirSync(dir, { recursive: true });
      const config = {
        genesis: o.genesis,
        dataDir: path.join(dir, "data"),
        rpc: { port: 0, maxBatch: 5000, maxRequestBytes: 50_000_000 },
        p2p: { port: p2pPorts[i], peers: p2pPorts.filter((_, j) => j !== i).map((p) => `ws://127.0.0.1:${p}`) },
        validator: { privateKeyEnv: "LUNIVERSE_BENCH_VKEY" },
        consensus: { blockPeriodMs: o.blockPeriodMs, maxTxsPerBlock: o.maxTxsPerBlock },
        pool: { maxSize: 200_000, maxPerSender: 5000, ...(o.recoveryWorkers != null ? { recoveryWorkers: o.recoveryWorkers } : {}) },
        log: { level: "info" },
      } as Record<string, unknown>;
      for (const [section, values] of Object.entries(o.nodeConfig ?? {})) config[section] = { ...(config[section] as Record<string, unknown> | undefined), ...values };
      const cfgFile = path.join(dir, "config.json");
      writeFileSync(cfgFile, JSON.stringify(config, null, 2));
      const prof = i === 0 && o.cpuProfDir ? ["--cpu-prof", "--cpu-prof-dir", o.cpuProfDir] : [];
      if (o.heapMiB != null) prof.push(`--max-old-space-size=${o.heapMiB}`);
      const key = Buffer.from(keys[i + 1]!.key).toString("hex");
      procs.push(
        spawnProc(`validator-${i + 1}`, process.execPath, [...prof, "-r", "ts-node/register/transpile-only", "node/cli.ts", "--config", cfgFile], {
          cwd: REPO,
          logFile: path.join(dir, "node.log"),
          env: { ...process.env, LUNIVERSE_BENCH_VKEY: `0x${key}` },
        }),
      );
    }
    const ready = await Promise.all(procs.map((p) => waitForLine(p, (l) => l.includes('"event":"ready"'), 120_000)));
    const urls = ready.map((l) => (JSON.parse(l) as { rpc: string }).rpc);
    return { kind: "luniverse", chainId: o.chainId, urls, procs, funders: [0, ...Array.from({ length: 15 }, (_, i) => 5 + i)] };
  } catch (e) {
    await Promise.all(procs.map((p) => stopProc(p, 5000)));
    throw e;
  }
}

/** The anvil binary of the installed npm package (so the pid we measure is anvil's), else `npx anvil`. */
function anvilCommand(): { cmd: string; pre: string[] } {
  const bin = path.join(REPO, "node_modules", "@foundry-rs", `anvil-${process.platform}-${process.arch === "x64" ? "amd64" : process.arch}`, "bin", "anvil");
  return existsSync(bin) ? { cmd: bin, pre: [] } : { cmd: "npx", pre: ["anvil"] };
}

export async function startAnvil(o: { dir: string; chainId: bigint; blockTimeS: number | null; gasLimit: number }): Promise<System> {
  mkdirSync(o.dir, { recursive: true });
  const port = await freePort();
  const { cmd, pre } = anvilCommand();
  const args = [...pre, "--port", String(port), "--chain-id", String(o.chainId), "--gas-limit", String(o.gasLimit), "--silent"];
  if (o.blockTimeS !== null) args.push("--block-time", String(o.blockTimeS));
  const proc = spawnProc(o.blockTimeS === null ? "anvil-automine" : `anvil-bt${o.blockTimeS}`, cmd, args, { cwd: REPO, logFile: path.join(o.dir, "anvil.log") });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== undefined) throw new Error(`anvil exited (code ${proc.exitCode}): ${tail(proc.logFile, 10)}`);
    try {
      const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`anvil did not answer on ${url} within 60 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { kind: "anvil", chainId: o.chainId, urls: [url], procs: [proc], funders: [0] };
}

/** Peak resident memory (VmHWM) of each process of the system, in MiB. */
export function peakMemMiB(sys: System): number[] {
  return sys.procs.map((p) => (peakRssKiB(p.pid) ?? 0) / 1024);
}

/** warn/error lines of a node log, grouped by message (our nodes log JSON lines). */
export function logProblems(file: string): Map<string, number> {
  const out = new Map<string, number>();
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return out;
  }
  for (const line of text.split("\n")) {
    if (!line.includes('"level":"warn"') && !line.includes('"level":"error"')) continue;
    let key = line.slice(0, 200);
    try {
      const j = JSON.parse(line) as { level: string; msg: string; err?: string };
      key = `${j.level}: ${j.msg}${j.err ? ` (${String(j.err).slice(0, 160)})` : ""}`;
    } catch {
      // not JSON: keep the raw line
    }
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}
