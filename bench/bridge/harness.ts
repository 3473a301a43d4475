/**
 * Two anvil chains with the bridge deployed and six relayer processes: what the relayer benchmark
 * (`bench/bridge/relayers.ts`) and the relayer process tests (`test/services/relayer/`) both run on. Child processes
 * are tracked so a caller can kill them all, even on failure. The tokens, the pair and its governance round go through
 * the operations (`ops/token`, `ops/bridge`, `ops/governance`), with a clock that mines anvil instead of waiting.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Contract, JsonRpcProvider, MaxUint256, Network, parseEther, type JsonRpcSigner } from "ethers";
import { connectContract } from "../../ops/contracts";
import { readDeployment, addressOf } from "../../ops/deployment";
import type { ChainClock } from "../../ops/clock";
import { passProposal } from "../../ops/governance/passProposal";
import { issueMainToken } from "../../ops/token/issueMainToken";
import { issueProductToken } from "../../ops/token/issueProductToken";
import { permitProductToken } from "../../ops/token/permitProductToken";
import { setMainTokenIssuer } from "../../ops/token/setMainTokenIssuer";
import { executeCalls, registerBridgePair } from "../../ops/bridge/registerBridgePair";
import type { MainBridge, ProductBridge } from "../../typechain-types";
import { freePort } from "../node/procs";

export const ROOT = path.resolve(__dirname, "../..");
const ANVIL = path.join(ROOT, "node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");

/** Every child process started here, so {@link killAll} can kill them all even on failure. */
export const children = new Set<ChildProcess>();

export function killAll(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  children.clear();
}

/** One JSON-RPC call over HTTP; a JSON-RPC error becomes an Error with its message. */
export async function rpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
  const body = (await res.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

export interface Anvil {
  url: string;
  chainId: number;
  proc: ChildProcess;
  provider: JsonRpcProvider;
  stop(): void;
}

/** Starts anvil on 127.0.0.1 on a free port (automine) and waits until it answers. */
export async function startAnvil(chainId: number): Promise<Anvil> {
  const port = await freePort();
  const proc = spawn(ANVIL, ["--host", "127.0.0.1", "--port", String(port), "--chain-id", String(chainId), "--accounts", "20", "--silent"], { stdio: "ignore" });
  children.add(proc);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      await rpc(url, "eth_chainId");
      break;
    } catch (e) {
      if (i > 100) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const provider = new JsonRpcProvider(url, undefined, { staticNetwork: Network.from(chainId), pollingInterval: 100 });
  return { url, chainId, proc, provider, stop: () => void proc.kill("SIGKILL") };
}

/** The clock of an anvil chain for operations that wait (ops/clock): it mines blocks and moves time instead of polling. */
export function anvilClock(url: string): ChainClock {
  return {
    async waitForBlock(provider, number) {
      const now = BigInt(await provider.getBlockNumber());
      if (number > now) await rpc(url, "anvil_mine", [`0x${(number - now).toString(16)}`]);
    },
    async waitForTimestamp(provider, timestamp) {
      const latest = await provider.getBlock("latest");
      if (latest !== null && BigInt(latest.timestamp) >= timestamp) return;
      await rpc(url, "evm_setNextBlockTimestamp", [Number(timestamp)]);
      await rpc(url, "anvil_mine", ["0x1"]);
    },
  };
}

/** Runs a command to completion; resolves with its exit code and output. */
export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 180_000): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    children.add(p);
    let out = "";
    p.stdout!.on("data", (c: Buffer) => (out += c.toString()));
    p.stderr!.on("data", (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => p.kill("SIGKILL"), timeoutMs);
    p.on("exit", (code) => {
      clearTimeout(timer);
      children.delete(p);
      resolve({ code: code ?? -1, out });
    });
    p.on("error", reject);
  });
}

/** Runs `hardhat args…` in the repository. */
export function hardhat(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string }> {
  return run(path.join(ROOT, "node_modules/.bin/hardhat"), args, env);
}

export interface Bridges {
  dir: string;
  main: Anvil;
  product: Anvil;
  env: NodeJS.ProcessEnv;
  mainBridge: MainBridge;
  productBridge: ProductBridge;
  mainToken: Contract;
  productToken: Contract;
  pairId: string;
  depositor: JsonRpcSigner;
}

const ERC20 = ["function balanceOf(address) view returns (uint256)", "function totalSupply() view returns (uint256)", "function approve(address,uint256) returns (bool)"];

/**
 * Deploys the system on `main` (deploy:system) and the product side on `product` (deploy:product-chain), both as
 * real Hardhat processes, then issues a main token, a product token at 1:`ratio` and registers the pair on both
 * bridges (directly on the product chain, whose deployer governs it; through governance on the main chain).
 */
export async function deployBridges(dir: string, main: Anvil, product: Anvil, ratio = 10n): Promise<Bridges> {
  mkdirSync(dir, { recursive: true });
  const cfg = path.join(dir, "system.json");
  writeFileSync(cfg, JSON.stringify({ governance: { votingDelay: 0, votingPeriod: 20, timelockDelay: 1 } }));
  const env = { LUNIVERSE_NETWORKS: `main=${main.url},product=${product.url}`, LUNIVERSE_DEPLOYMENTS_DIR: path.join(dir, "deployments") };
  const [a, b] = await Promise.all([
    hardhat(["deploy:system", "--network", "main", "--system-config", cfg, "--quiet"], env),
    hardhat(["deploy:product-chain", "--network", "product", "--quiet"], env),
  ]);
  if (a.code !== 0) throw new Error(`deploy:system failed:\n${a.out}`);
  if (b.code !== 0) throw new Error(`deploy:product-chain failed:\n${b.out}`);
  const mm = readDeployment(path.join(dir, "deployments/main.json"));
  const pm = readDeployment(path.join(dir, "deployments/product.json"));

  const deployer = await main.provider.getSigner(0);
  const pDeployer = await product.provider.getSigner(0); // the same key: the CP, the product chain's admin and its PD

  // main token (the deployer is a CP), then a product token with the CP's permission
  const supply = parseEther("1000000000");
  const { token: mainTokenAddr } = await issueMainToken(deployer, { factory: addressOf(mm, "MainTokenFactory"), name: "Main", symbol: "MAIN", supply, cap: supply });
  const factory = addressOf(pm, "ProductTokenFactory");
  await setMainTokenIssuer(pDeployer, { factory, mainToken: mainTokenAddr, issuer: await deployer.getAddress() });
  const permit = await permitProductToken({ cp: pDeployer, product: product.provider }, { factory, mainToken: mainTokenAddr, ratio, productDeveloper: await pDeployer.getAddress(), expiry: 2n ** 40n });
  const { token: productTokenAddr } = await issueProductToken(pDeployer, { permit, name: "Product", symbol: "PROD" });

  // the pair: product side directly, main side through governance (validators 1..4 vote; anvil mined past the vote and the delay)
  const big = parseEther("1000000");
  const pair = await registerBridgePair(
    { main: main.provider, product: product.provider },
    {
      mainToken: mainTokenAddr,
      productToken: productTokenAddr,
      ratio,
      limits: { minPerTx: 1n, maxPerTx: big, dailyIn: big * 100n, dailyOut: big * 100n },
      main: { bridge: addressOf(mm, "MainBridge"), executor: addressOf(mm, "LuniverseTimelock") },
      product: { bridge: addressOf(pm, "ProductBridge"), executor: await pDeployer.getAddress() },
    },
  );
  await executeCalls(pDeployer, [pair.product!.call!], "registerPair on the product bridge");
  const validators = await Promise.all([1, 2, 3, 4].map((i) => main.provider.getSigner(i)));
  await passProposal(
    { provider: main.provider, validators },
    { governor: addressOf(mm, "LuniverseGovernor"), targets: [pair.main!.call!.target], calldatas: [pair.main!.call!.data], description: "register the test pair", clock: anvilClock(main.url) },
  );

  const mainBridge = connectContract("MainBridge", addressOf(mm, "MainBridge"), deployer);
  const productBridge = connectContract("ProductBridge", addressOf(pm, "ProductBridge"), pDeployer);
  const mainToken = new Contract(mainTokenAddr, ERC20, deployer);
  await (await mainToken.approve!(await mainBridge.getAddress(), MaxUint256)).wait();
  const productToken = new Contract(productTokenAddr, ERC20, pDeployer);
  return { dir, main, product, env, mainBridge, productBridge, mainToken, productToken, pairId: pair.pairId, depositor: deployer };
}

/** Mines an empty block on each chain every `ms` (blocks keep coming, so confirmations accumulate). */
export function blockTicker(urls: string[], ms: number): () => void {
  const t = setInterval(() => {
    for (const u of urls) void rpc(u, "evm_mine").catch(() => undefined);
  }, ms);
  return () => clearInterval(t);
}

export interface RelayerProc {
  signer: number;
  proc: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
}

/** Spawns one relayer (node entry services/relayer/main.ts) with the given extra flags. */
export function spawnRelayer(signer: number, b: { dir: string; main: { url: string }; product: { url: string }; env: NodeJS.ProcessEnv }, extra: string[] = []): RelayerProc {
  const args = [
    "-r",
    "ts-node/register/transpile-only",
    "services/relayer/main.ts",
    "--signer",
    String(signer),
    "--main-rpc",
    b.main.url,
    "--product-rpc",
    b.product.url,
    "--keystore-dir",
    path.join(b.dir, "keystores"),
    "--state-dir",
    path.join(b.dir, "state"),
    "--deployments-dir",
    path.join(b.dir, "deployments"),
    "--confirmations",
    "2",
    "--poll-interval-ms",
    "200",
    "--max-backoff-ms",
    "1000",
    ...extra,
  ];
  const proc = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...b.env, RELAYER_PASSWORD: "relayer-test-pw", TS_NODE_TRANSPILE_ONLY: "1" }, stdio: ["ignore", "pipe", "pipe"] });
  children.add(proc);
  const lines: string[] = [];
  let buf = "";
  const onData = (c: Buffer): void => {
    buf += c.toString();
    const parts = buf.split("\n");
    buf = parts.pop()!;
    lines.push(...parts);
  };
  proc.stdout!.on("data", onData);
  proc.stderr!.on("data", onData);
  const exited = new Promise<number | null>((r) =>
    proc.on("exit", (code) => {
      children.delete(proc);
      if (buf) lines.push(buf);
      r(code);
    }),
  );
  return { signer, proc, lines, exited };
}
