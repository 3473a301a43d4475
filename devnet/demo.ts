/**
 * `npm run demo`: the white paper's figures 6 and 8–9 on the running devnet.
 *
 *  1. A consortium partner (CP) issues 1,000 of a main token on the main chain (fig. 6).
 *  2. A product developer (PD), with the CP's permission, issues product token A (1:1) and product token B (1:2) on
 *     the product chain; governance registers both pairs on the main bridge, the PD's chain on the product bridge.
 *  3. The CP stakes (locks) 500 main tokens behind A and 500 behind B, for a user on the product chain (fig. 8).
 *  4. Six relayers see the deposits; after 4 of 6 matching confirmations the product bridge mints 500 A and 1,000 B.
 *  5. The user redeems everything back (fig. 9): the product tokens are burnt, 4 of 6 confirm, the main bridge
 *     releases the 1,000 main tokens to the CP.
 * Balances are printed after each step.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { Contract, NonceManager, formatEther, parseEther, type JsonRpcProvider, type Signer } from "ethers";
import { DevnetError, MAIN_CHAIN_ID, PRODUCT_CHAIN_ID, ROLES, devWallet, devnetPaths } from "./config";
import { provider } from "./bootstrap";
import { readState } from "./state";
import { devLimits, issueDevProductToken } from "./tokens";
import { typechain } from "../lib/typechain";
import { passProposal } from "../ops/governance/passProposal";
import { issueMainToken } from "../ops/token/issueMainToken";
import { executeCalls, registerBridgePair, type GovernanceCall } from "../ops/bridge/registerBridgePair";
import { deposit } from "../ops/bridge/deposit";
import { redeem } from "../ops/bridge/redeem";
import { bridgeStatus } from "../ops/bridge/bridgeStatus";

export interface DemoOptions {
  dataDir: string;
  out?: (line: string) => void;
  /** Give up waiting for a settlement after this long (default 120 s). */
  timeoutMs?: number;
}

export interface DemoBalances {
  cpMain: string;
  lockedA: string;
  lockedB: string;
  userA: string;
  userB: string;
}

export interface DemoResult {
  mainToken: string;
  productTokenA: string;
  productTokenB: string;
  pairA: string;
  pairB: string;
  steps: { step: string; balances: DemoBalances }[];
}

const ERC20 = ["function balanceOf(address) view returns (uint256)", "function totalSupply() view returns (uint256)"];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Endpoints of a running devnet, written by devnet:up into `<dataDir>/endpoints.json`. */
export interface DevnetEndpoints {
  main: string;
  product: string;
  ethereum: string;
  /** The same chains through the gateway, with the development DApp's key (absent before the gateway existed). */
  gateway?: { main: string; product: string; ethereum: string; admin: string };
}

export function readEndpoints(dataDir: string): DevnetEndpoints {
  const file = path.join(dataDir, "endpoints.json");
  if (!existsSync(file)) throw new DevnetError("DEVNET_NOT_RUNNING", `no devnet in ${dataDir} (no endpoints.json): start one with npm start${dataDir.endsWith(path.join(".luniverse", "devnet")) ? "" : ` -- --data-dir ${dataDir}`}`);
  return JSON.parse(readFileSync(file, "utf8")) as DevnetEndpoints;
}

export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const out = o.out ?? ((l: string) => console.log(l));
  const p = devnetPaths(o.dataDir);
  const state = readState(p.state);
  if (!state?.bootstrappedAt || !state.product || !state.main) throw new DevnetError("DEVNET_NOT_READY", `the devnet in ${o.dataDir} has not finished starting; wait for "DEVNET READY" in npm start's output`);
  // through the gateway, as a DApp would: the development DApp's API key is in the URLs
  const endpoints = readEndpoints(o.dataDir);
  const urls = endpoints.gateway ?? endpoints;
  const main = provider(urls.main, MAIN_CHAIN_ID);
  const product = provider(urls.product, PRODUCT_CHAIN_ID);
  try {
    try {
      await Promise.all([main.getBlockNumber(), product.getBlockNumber()]);
    } catch {
      throw new DevnetError("DEVNET_NOT_RUNNING", `the devnet's chains (${urls.main}, ${urls.product}) do not answer: is npm start running?`);
    }
    const signer = (prov: JsonRpcProvider, i: number): Signer => new NonceManager(devWallet(i).connect(prov));
    const cp = signer(main, ROLES.deployer);
    const cpAddress = await cp.getAddress();
    const userAddress = devWallet(ROLES.user).address;
    const user = signer(product, ROLES.user);
    const mainBridge = typechain().MainBridge__factory.connect(state.main.MainBridge!, main);
    const bridges = { mainBridge: state.main.MainBridge!, productBridge: state.product.ProductBridge! };
    const timeout = o.timeoutMs ?? 120_000;

    const tag = String(Date.now() % 100000);
    out(`\n1. The CP ${cpAddress} issues 1,000 DGLD${tag} on the main chain (fig. 6)`);
    const { token: mainTokenAddr } = await issueMainToken(cp, { factory: state.main.MainTokenFactory!, name: `Demo Gold ${tag}`, symbol: `DGLD${tag}`, supply: parseEther("1000"), cap: parseEther("1000") });
    const mainToken = new Contract(mainTokenAddr, ERC20, main);

    out(`2. The PD issues product token A (1:1) and B (1:2) on the product chain with the CP's permission`);
    const productAdmin = signer(product, ROLES.deployer);
    const common = { product, productAdmin, cp: devWallet(ROLES.deployer), pd: signer(product, ROLES.productDeveloper), factory: state.product.ProductTokenFactory!, mainToken: mainTokenAddr };
    const tokenA = await issueDevProductToken({ ...common, ratio: 1n, name: `Demo A ${tag}`, symbol: `DA${tag}` });
    const tokenB = await issueDevProductToken({ ...common, ratio: 2n, name: `Demo B ${tag}`, symbol: `DB${tag}` });
    // each pair: directly on the product bridge (the devnet's deployer governs it), through governance on the main bridge
    const mainCalls: GovernanceCall[] = [];
    const register = async (productToken: string, ratio: bigint): Promise<string> => {
      const r = await registerBridgePair(
        { main, product },
        {
          mainToken: mainTokenAddr,
          productToken,
          ratio,
          limits: devLimits(),
          main: { bridge: state.main!.MainBridge!, executor: state.main!.LuniverseTimelock! },
          product: { bridge: state.product!.ProductBridge!, executor: await productAdmin.getAddress() },
          skipRegistered: true,
        },
      );
      if (r.product?.call) await executeCalls(productAdmin, [r.product.call], "registerPair on the product bridge");
      if (r.main?.call) mainCalls.push(r.main.call);
      return r.pairId;
    };
    const pairA = await register(tokenA, 1n);
    const pairB = await register(tokenB, 2n);
    if (mainCalls.length > 0) {
      out(`   governance registers both pairs on the main bridge (propose, ${state.validators} validator vote(s), timelock, execute)`);
      await passProposal(
        { provider: main, validators: ROLES.validators.slice(0, state.validators).map((i) => signer(main, i)) },
        {
          governor: state.main.LuniverseGovernor!,
          targets: mainCalls.map((c) => c.target),
          calldatas: mainCalls.map((c) => c.data),
          description: `demo: pairs ${pairA} and ${pairB}`,
          log: (l) => out(`   ${l}`),
        },
      );
    }
    out(`   token A ${tokenA}  pair ${pairA}\n   token B ${tokenB}  pair ${pairB}`);

    const a = new Contract(tokenA, ERC20, product);
    const b = new Contract(tokenB, ERC20, product);
    const steps: DemoResult["steps"] = [];
    // Every balance of a step is read at one block per chain (the head when the step is printed), so the figures
    // of one line always belong together.
    const balances = async (step: string): Promise<void> => {
      const m = { blockTag: await main.getBlockNumber() };
      const pr = { blockTag: await product.getBlockNumber() };
      const bal: DemoBalances = {
        cpMain: formatEther(await mainToken.getFunction("balanceOf")(cpAddress, m)),
        lockedA: formatEther(await mainBridge.locked(pairA, m)),
        lockedB: formatEther(await mainBridge.locked(pairB, m)),
        userA: formatEther(await a.getFunction("balanceOf")(userAddress, pr)),
        userB: formatEther(await b.getFunction("balanceOf")(userAddress, pr)),
      };
      steps.push({ step, balances: bal });
      out(`   balances: CP main ${bal.cpMain} | locked for A ${bal.lockedA}, for B ${bal.lockedB} | user A ${bal.userA}, B ${bal.userB}`);
    };
    await balances("issued");

    out(`3. The CP stakes 500 DGLD${tag} behind A (1:1) and 500 behind B (1:2) for the user ${userAddress} (fig. 8)`);
    const depositIds: string[] = [];
    const depositsFrom = await main.getBlockNumber();
    for (const pair of [pairA, pairB]) {
      const r = await deposit(cp, { bridge: bridges.mainBridge, pairId: pair, amount: parseEther("500"), recipient: userAddress, approve: "unlimited" });
      depositIds.push(r.depositId);
    }
    await balances("deposited");

    out(`4. Six relayers confirm; the 4th matching confirmation mints`);
    await watch(out, "deposit", depositIds, depositsFrom, { main, product }, bridges, timeout);
    await balances("minted");

    out(`5. The user redeems 500 A and 1,000 B back to the CP on the main chain (fig. 9)`);
    const redeemIds: string[] = [];
    const redeemsFrom = await product.getBlockNumber();
    for (const [pair, amount] of [
      [pairA, parseEther("500")],
      [pairB, parseEther("1000")],
    ] as const) {
      const r = await redeem(user, { bridge: bridges.productBridge, pairId: pair, amount, recipient: cpAddress });
      redeemIds.push(r.redeemId);
    }
    await balances("redeemed");
    await watch(out, "redeem", redeemIds, redeemsFrom, { main, product }, bridges, timeout);
    await balances("released");
    const result: DemoResult = { mainToken: mainTokenAddr, productTokenA: tokenA, productTokenB: tokenB, pairA, pairB, steps };
    out(`\nDEMO OK ${JSON.stringify(result)}`);
    return result;
  } finally {
    main.destroy();
    product.destroy();
  }
}

/** Prints each operation's confirmation count (`bridgeStatus`) as it grows, until the bridge reports it executed. */
async function watch(
  out: (l: string) => void,
  kind: "deposit" | "redeem",
  ids: string[],
  fromBlock: number,
  chains: { main: JsonRpcProvider; product: JsonRpcProvider },
  bridges: { mainBridge: string; productBridge: string },
  timeoutMs: number,
): Promise<void> {
  // the settling chain: deposits mint on the product chain, redeems release on the main chain
  const settling = kind === "deposit" ? chains.product : chains.main;
  const seen = ids.map(() => -1n);
  const end = Date.now() + timeoutMs;
  for (;;) {
    let all = true;
    // status and count read at one block, so "settled" is never shown beside an older count
    const blockTag = await settling.getBlockNumber();
    for (let i = 0; i < ids.length; i++) {
      const s = await bridgeStatus(chains, { ...bridges, id: ids[i]!, fromBlock, blockTag });
      if (s.confirmations !== seen[i]) {
        seen[i] = s.confirmations;
        out(`   ${kind} ${ids[i]!.slice(0, 10)}…: ${s.confirmations} of ${s.signers.length} signers confirmed (threshold ${s.threshold})${s.status === "Executed" ? " — settled" : ""}`);
      }
      if (s.status !== "Executed") all = false;
    }
    if (all) return;
    if (Date.now() > end) throw new DevnetError("DEVNET_DEMO_TIMEOUT", `${kind}s not settled after ${timeoutMs / 1000} s: are the relayers running? (see the devnet's logs/relayer-*.log)`);
    await sleep(500);
  }
}
