import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync, readFileSync } from "node:fs";
import path from "node:path";
import { Contract, JsonRpcProvider, Network, MaxUint256, parseEther, id as keccakText, type JsonRpcSigner } from "ethers";
import { signProductPermission } from "../../../tasks/lib/permission";
import { MainBridge__factory } from "../../../typechain-types/factories/contracts/bridge/MainBridge__factory";
import { ProductBridge__factory } from "../../../typechain-types/factories/contracts/bridge/ProductBridge__factory";
import { MainTokenFactory__factory } from "../../../typechain-types/factories/contracts/token/MainTokenFactory__factory";
import { ProductTokenFactory__factory } from "../../../typechain-types/factories/contracts/token/ProductTokenFactory__factory";
import { LuniverseGovernor__factory } from "../../../typechain-types/factories/contracts/governance/LuniverseGovernor__factory";
import { LuniverseTimelock__factory } from "../../../typechain-types/factories/contracts/governance/LuniverseTimelock__factory";
import type { MainBridge, ProductBridge } from "../../../typechain-types";

import { freePort, waitFor as waitUntil } from "../../helpers/net";

export const ROOT = path.resolve(__dirname, "../../..");
const ANVIL = path.join(ROOT, "node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");

/** Every child process a test started, so after() can kill them all even on failure. */
export const children = new Set<ChildProcess>();

export function killAll(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  children.clear();
}

export { freePort };

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

/** Runs a command to completion; rejects with its output when it fails. */
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
 * bridges (through governance on the main chain).
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
  const mm = JSON.parse(readFileSync(path.join(dir, "deployments/main.json"), "utf8")) as { contracts: Record<string, { address: string }> };
  const pm = JSON.parse(readFileSync(path.join(dir, "deployments/product.json"), "utf8")) as { contracts: Record<string, { address: string }> };

  const deployer = await main.provider.getSigner(0);
  const pDeployer = await product.provider.getSigner(0);
  const mainBridge = MainBridge__factory.connect(mm.contracts.MainBridge!.address, deployer);
  const productBridge = ProductBridge__factory.connect(pm.contracts.ProductBridge!.address, pDeployer);

  // main token (the deployer is a CP)
  const mtf = MainTokenFactory__factory.connect(mm.contracts.MainTokenFactory!.address, deployer);
  const supply = parseEther("1000000000");
  const r1 = await (await mtf.issueMainToken("Main", "MAIN", 18, supply, supply)).wait();
  const mainTokenAddr = mtf.interface.parseLog(r1!.logs.find((l) => l.address.toLowerCase() === mm.contracts.MainTokenFactory!.address.toLowerCase() && mtf.interface.parseLog(l)?.name === "MainTokenIssued")!)!.args.token as string;

  // product token with the CP's permission
  const ptfAddr = pm.contracts.ProductTokenFactory!.address;
  const ptf = ProductTokenFactory__factory.connect(ptfAddr, pDeployer);
  await (await ptf.setMainTokenIssuer(mainTokenAddr, await deployer.getAddress())).wait();
  const permission = { productChainId: BigInt(product.chainId), mainToken: mainTokenAddr, ratio, productDeveloper: await pDeployer.getAddress(), expiry: 2n ** 40n };
  const signature = await signProductPermission(pDeployer, ptfAddr, permission);
  const r2 = await (await ptf.issueProductToken(permission, signature, { name: "Product", symbol: "PROD", decimals: 18 })).wait();
  const productTokenAddr = ptf.interface.parseLog(r2!.logs.find((l) => ptf.interface.parseLog(l)?.name === "ProductTokenIssued")!)!.args.token as string;

  const big = parseEther("1000000");
  await (await productBridge.registerPair(main.chainId, mainTokenAddr, productTokenAddr, ratio, { minPerTx: ratio, maxPerTx: big * ratio, dailyIn: big * 100n * ratio, dailyOut: big * 100n * ratio })).wait();

  // main side through governance: propose, vote (validators 1..4), queue, wait the delay, execute
  const governor = LuniverseGovernor__factory.connect(mm.contracts.LuniverseGovernor!.address, deployer);
  const timelock = LuniverseTimelock__factory.connect(mm.contracts.LuniverseTimelock!.address, deployer);
  const data = mainBridge.interface.encodeFunctionData("registerPair", [mainTokenAddr, product.chainId, productTokenAddr, ratio, { minPerTx: 1n, maxPerTx: big, dailyIn: big * 100n, dailyOut: big * 100n }]);
  const targets = [await mainBridge.getAddress()];
  const description = "register the test pair";
  const v1 = governor.connect(await main.provider.getSigner(1));
  await (await v1.propose(targets, [0n], [data], description)).wait();
  const proposalId = await governor.hashProposal(targets, [0n], [data], keccakText(description));
  await rpc(main.url, "anvil_mine", ["0x1"]);
  for (let i = 1; i <= 4; i++) await (await governor.connect(await main.provider.getSigner(i)).castVote(proposalId, 1)).wait();
  await rpc(main.url, "anvil_mine", ["0x14"]);
  await (await governor.queue(targets, [0n], [data], keccakText(description))).wait();
  await rpc(main.url, "evm_increaseTime", [Number(await timelock.getMinDelay()) + 1]);
  await rpc(main.url, "anvil_mine", ["0x1"]);
  await (await governor.execute(targets, [0n], [data], keccakText(description))).wait();
  const pairId = await mainBridge.pairIdOf(mainTokenAddr, product.chainId, productTokenAddr);
  if ((await productBridge.pairIdOf(main.chainId, mainTokenAddr, productTokenAddr)) !== pairId) throw new Error("pair ids differ");

  const mainToken = new Contract(mainTokenAddr, ERC20, deployer);
  await (await mainToken.approve!(await mainBridge.getAddress(), MaxUint256)).wait();
  const productToken = new Contract(productTokenAddr, ERC20, pDeployer);
  return { dir, main, product, env, mainBridge, productBridge, mainToken, productToken, pairId, depositor: deployer };
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

/** Waits until `cond` holds (polling), or fails after `ms` with `what`. */
export async function waitFor(what: string, cond: () => Promise<boolean>, ms = 30_000, every = 200): Promise<void> {
  await waitUntil(what, cond, ms, every);
}
