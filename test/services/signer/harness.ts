/**
 * Shared pieces of the signer's tests: a gas-free chain (one validator node, a real process), a test token, a SoftHSM2
 * token, the signer (in process or as its own process) and HTTP calls to its API.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ContractFactory, JsonRpcProvider, NonceManager, Wallet, type BaseContract, type ContractTransactionResponse } from "ethers";
import hre from "hardhat";
import { devWallet } from "../../../lib/accounts";
import { createLogger, type Logger } from "../../../lib/log";
import { parseSignerConfig, type SignerConfig } from "../../../services/signer/config";
import { runSigner, type RunningSigner } from "../../../services/signer";
import { NodeProcess, freePort, testGenesis } from "../../node/helpers/nodes";
import { TEST_PIN, freshToken } from "../../helpers/softhsm";

export { TEST_PIN };
export const CHAIN_ID = 7301;
export const ADMIN_TOKEN = "operator-token-0123456789abcdef";
const ROOT = path.resolve(__dirname, "../../..");

export type AnyContract = BaseContract & Record<string, (...args: unknown[]) => Promise<ContractTransactionResponse>>;

export interface GasFreeChain {
  node: NodeProcess;
  url: string;
  provider: JsonRpcProvider;
  deployer: NonceManager;
  token: AnyContract;
  tokenAddress: string;
  dir: string;
  stop(): Promise<void>;
}

/** One gas-free validator (dev account 1) and an IndexerTestToken (anyone mints) deployed at gas price 0. */
export async function gasFreeChain(): Promise<GasFreeChain> {
  const genesis = await testGenesis({ chainId: CHAIN_ID, validators: 1, gasFree: true });
  fs.rmSync(path.join(ROOT, ".openzeppelin", `unknown-${CHAIN_ID}.json`), { force: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "signer-chain-"));
  const node = new NodeProcess(
    {
      genesis,
      dataDir: path.join(dir, "data"),
      rpcPort: await freePort(),
      p2pPort: await freePort(),
      peers: [],
      validator: 1,
      config: { gasFree: { enabled: true, maxTxPerSenderPerMinute: 6000 }, consensus: { blockPeriodMs: 500, proposalTimeoutMs: 2000 } },
    },
    "signer-chain",
  );
  await node.start();
  const provider = new JsonRpcProvider(node.rpc, CHAIN_ID, { staticNetwork: true, pollingInterval: 100 });
  const deployer = new NonceManager(new Wallet(devWallet(0).privateKey, provider));
  const artifact = await hre.artifacts.readArtifact("IndexerTestToken");
  const c = await new ContractFactory(artifact.abi, artifact.bytecode, deployer).deploy("Signer Test", "SGT", { maxFeePerGas: 0n, maxPriorityFeePerGas: 0n });
  await c.waitForDeployment();
  const token = c as unknown as AnyContract;
  return {
    node,
    url: node.rpc,
    provider,
    deployer,
    token,
    tokenAddress: await c.getAddress(),
    dir,
    stop: async () => {
      provider.destroy();
      await node.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Deploys another test token (anyone mints) on the chain; returns its address. */
export async function deployToken(chain: GasFreeChain, symbol: string): Promise<AnyContract> {
  const artifact = await hre.artifacts.readArtifact("IndexerTestToken");
  const c = await new ContractFactory(artifact.abi, artifact.bytecode, chain.deployer).deploy(`Signer ${symbol}`, symbol, { maxFeePerGas: 0n, maxPriorityFeePerGas: 0n });
  await c.waitForDeployment();
  return c as unknown as AnyContract;
}

/** Mints `amount` test tokens to each address (gas-free) and waits for the last. */
export async function mintTo(chain: GasFreeChain, addresses: string[], amount: bigint): Promise<void> {
  let last: ContractTransactionResponse | null = null;
  for (const a of addresses) last = await chain.token.connect(chain.deployer).getFunction("mint")(a, amount, { maxFeePerGas: 0n, maxPriorityFeePerGas: 0n });
  await last?.wait();
}

export function signerConfig(o: { token: string; dataDir: string; rpcUrl: string; port?: number; extra?: Record<string, unknown> }): Record<string, unknown> {
  return {
    listen: { host: "127.0.0.1", port: o.port ?? 0 },
    dataDir: o.dataDir,
    hsm: { token: o.token, pinEnv: "SIGNER_TEST_PIN" },
    adminTokenEnv: "SIGNER_TEST_ADMIN",
    chains: [{ id: CHAIN_ID, name: "product", rpcUrl: o.rpcUrl, gasFree: true }],
    sender: { pollMs: 100, rebroadcastMs: 3000, replaceAfterMs: 60_000 },
    ...o.extra,
  };
}

export const SIGNER_ENV = { SIGNER_TEST_PIN: TEST_PIN, SIGNER_TEST_ADMIN: ADMIN_TOKEN };

/** A signer in this process on a fresh SoftHSM2 token and data folder. */
export async function inProcessSigner(rpcUrl: string, extra: Record<string, unknown> = {}): Promise<{ signer: RunningSigner; config: SignerConfig; token: string; dataDir: string }> {
  const token = freshToken("signer");
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "signer-data-"));
  const config = parseSignerConfig(signerConfig({ token, dataDir, rpcUrl, extra }));
  const signer = await runSigner(config, { env: { ...process.env, ...SIGNER_ENV }, logger: quietLogger() });
  return { signer, config, token, dataDir };
}

function quietLogger(): Logger {
  return createLogger("signer", { level: "error" });
}

/** The signer as its own process (services/signer/main.ts), for kill -9. */
export class SignerProcess {
  proc: ChildProcess | null = null;
  url = "";
  constructor(
    readonly configFile: string,
    readonly logFile: string,
  ) {}

  async start(timeoutMs = 60_000): Promise<void> {
    const log = fs.createWriteStream(this.logFile, { flags: "a" });
    const proc = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(ROOT, "services/signer/main.ts"), "--config", this.configFile], {
      cwd: ROOT,
      env: { ...process.env, ...SIGNER_ENV, TS_NODE_PROJECT: path.join(ROOT, "tsconfig.json") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.proc = proc;
    proc.stderr!.pipe(log);
    this.url = await new Promise<string>((resolve, reject) => {
      let buf = "";
      const timer = setTimeout(() => reject(new Error(`the signer did not start within ${timeoutMs} ms (log ${this.logFile})`)), timeoutMs);
      proc.stdout!.on("data", (d: Buffer) => {
        log.write(d);
        buf += d.toString();
        const m = /signer listening on (\S+)/.exec(buf);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      proc.on("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`the signer exited with ${code}:\n${fs.readFileSync(this.logFile, "utf8").slice(-3000)}`));
      });
    });
    proc.removeAllListeners("exit");
  }

  kill9(): Promise<void> {
    return this.signal("SIGKILL");
  }

  stop(): Promise<void> {
    return this.signal("SIGTERM");
  }

  private signal(sig: NodeJS.Signals): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      p.once("exit", () => resolve());
      p.kill(sig);
    });
  }
}

export interface Reply<T = Record<string, unknown>> {
  status: number;
  body: T;
}

/** One HTTP call to the signer; JSON in and out. */
export async function call<T = Record<string, unknown>>(base: string, method: string, p: string, o: { key?: string; body?: unknown; headers?: Record<string, string>; raw?: string } = {}): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...o.headers };
  if (o.key) headers.authorization = `Bearer ${o.key}`;
  if (o.body !== undefined || o.raw !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(base + p, { method, headers, body: o.raw ?? (o.body === undefined ? undefined : JSON.stringify(o.body)) });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as T };
}

/** Creates a DApp with `policy` and returns its service key. */
export async function createDapp(base: string, id: string, policy: Record<string, unknown> = {}): Promise<string> {
  const r = await call<{ serviceKey: string }>(base, "POST", "/v1/admin/dapps", { key: ADMIN_TOKEN, body: { id, name: id, policy } });
  if (r.status !== 201) throw new Error(`create DApp ${id}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.serviceKey;
}

/** Polls a transaction until it is final (included, reverted or dropped). */
export async function waitFinal(base: string, dapp: string, key: string, id: string, timeoutMs = 60_000): Promise<Record<string, unknown>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await call(base, "GET", `/v1/dapps/${dapp}/transactions/${id}`, { key });
    if (["included", "reverted", "dropped"].includes(r.body.status as string)) return r.body;
    if (Date.now() > until) throw new Error(`transaction ${id} not final after ${timeoutMs} ms: ${JSON.stringify(r.body)}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

export { devWallet };
