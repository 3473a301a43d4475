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
import { passProposal } from "./governance";
import { readState } from "./state";
import { approveAll, issueMainToken, issueProductToken, mainSideCall, registerProductSide } from "./tokens";
import { typechain } from "../lib/typechain";

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
export function readEndpoints(dataDir: string): { main: string; product: string; ethereum: string } {
  const file = path.join(dataDir, "endpoints.json");
  if (!existsSync(file)) throw new DevnetError("DEVNET_NOT_RUNNING", `no devnet in ${dataDir} (no endpoints.json): start one with npm start${dataDir.endsWith(path.join(".luniverse", "devnet")) ? "" : ` -- --data-dir ${dataDir}`}`);
  return JSON.parse(readFileSync(file, "utf8")) as { main: string; product: string; ethereum: string };
}

export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const out = o.out ?? ((l: string) => console.log(l));
  const p = devnetPaths(o.dataDir);
  const state = readState(p.state);
  if (!state?.bootstrappedAt || !state.product || !state.main) throw new DevnetError("DEVNET_NOT_READY", `the devnet in ${o.dataDir} has not finished starting; wait for "DEVNET READY" in npm start's output`);
  const urls = readEndpoints(o.dataDir);
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
    const mainBridge = typechain().MainBridge__factory.connect(state.main.MainBridge!, cp);
    const productBridge = typechain().ProductBridge__factory.connect(state.product.ProductBridge!, user);
    const timeout = o.timeoutMs ?? 120_000;

    const tag = String(Date.now() % 100000);
    out(`\n1. The CP ${cpAddress} issues 1,000 DGLD${tag} on the main chain (fig. 6)`);
    const mainTokenAddr = await issueMainToken(cp, state.main.MainTokenFactory!, `Demo Gold ${tag}`, `DGLD${tag}`, parseEther("1000"), parseEther("1000"));
    const mainToken = new Contract(mainTokenAddr, ERC20, main);

    out(`2. The PD issues product token A (1:1) and B (1:2) on the product chain with the CP's permission`);
    const common = { productAdmin: signer(product, ROLES.deployer), cp: devWallet(ROLES.deployer), pd: signer(product, ROLES.productDeveloper), factory: state.product.ProductTokenFactory!, productChainId: BigInt(PRODUCT_CHAIN_ID), mainToken: mainTokenAddr };
    const tokenA = await issueProductToken({ ...common, ratio: 1n, name: `Demo A ${tag}`, symbol: `DA${tag}` });
    const tokenB = await issueProductToken({ ...common, ratio: 2n, name: `Demo B ${tag}`, symbol: `DB${tag}` });
    const pairA = await registerProductSide(common.productAdmin, state.product.ProductBridge!, BigInt(MAIN_CHAIN_ID), mainTokenAddr, tokenA, 1n);
    const pairB = await registerProductSide(common.productAdmin, state.product.ProductBridge!, BigInt(MAIN_CHAIN_ID), mainTokenAddr, tokenB, 2n);
    const calls = [await mainSideCall(cp, state.main.MainBridge!, BigInt(PRODUCT_CHAIN_ID), mainTokenAddr, tokenA, 1n), await mainSideCall(cp, state.main.MainBridge!, BigInt(PRODUCT_CHAIN_ID), mainTokenAddr, tokenB, 2n)]
      .map((c) => c.call)
      .filter((c): c is { target: string; data: string } => c !== null);
    if (calls.length > 0) {
      out(`   governance registers both pairs on the main bridge (propose, ${state.validators} validator vote(s), timelock, execute)`);
      await passProposal({
        provider: main,
        governor: state.main.LuniverseGovernor!,
        validators: ROLES.validators.slice(0, state.validators).map((i) => signer(main, i)),
        targets: calls.map((c) => c.target),
        calldatas: calls.map((c) => c.data),
        description: `demo: pairs ${pairA} and ${pairB}`,
        log: (l) => out(`   ${l}`),
      });
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
    await approveAll(cp, mainTokenAddr, state.main.MainBridge!);
    const depositIds: string[] = [];
    for (const pair of [pairA, pairB]) {
      const r = await (await mainBridge.deposit(pair, userAddress, parseEther("500"))).wait();
      const ev = r!.logs.map((l) => mainBridge.interface.parseLog(l)).find((x) => x?.name === "Deposited");
      depositIds.push(ev!.args.depositId as string);
    }
    await balances("deposited");

    out(`4. Six relayers confirm; the 4th matching confirmation mints`);
    await watch(out, "deposit", depositIds, [pairA, pairB], [parseEther("500"), parseEther("500")], userAddress, productBridge, product, timeout);
    await balances("minted");

    out(`5. The user redeems 500 A and 1,000 B back to the CP on the main chain (fig. 9)`);
    const redeemIds: string[] = [];
    for (const [pair, amount] of [
      [pairA, parseEther("500")],
      [pairB, parseEther("1000")],
    ] as const) {
      const r = await (await productBridge.redeem(pair, cpAddress, amount)).wait();
      const ev = r!.logs.map((l) => productBridge.interface.parseLog(l)).find((x) => x?.name === "Redeemed");
      redeemIds.push(ev!.args.redeemId as string);
    }
    await balances("redeemed");
    await watch(out, "redeem", redeemIds, [pairA, pairB], [parseEther("500"), parseEther("500")], cpAddress, mainBridge, main, timeout);
    await balances("released");
    const result: DemoResult = { mainToken: mainTokenAddr, productTokenA: tokenA, productTokenB: tokenB, pairA, pairB, steps };
    out(`\nDEMO OK ${JSON.stringify(result)}`);
    return result;
  } finally {
    main.destroy();
    product.destroy();
  }
}

/** Prints each operation's confirmation count as it grows, until the bridge reports it executed. */
async function watch(
  out: (l: string) => void,
  kind: "deposit" | "redeem",
  ids: string[],
  pairs: string[],
  mainAmounts: bigint[],
  recipient: string,
  bridge: {
    status(id: string, o: { blockTag: number }): Promise<bigint>;
    confirmations(id: string, hash: string, o: { blockTag: number }): Promise<bigint>;
    threshold(): Promise<bigint>;
  },
  chain: JsonRpcProvider,
  timeoutMs: number,
): Promise<void> {
  const named = bridge as unknown as Record<string, (p: string, r: string, a: bigint) => Promise<string>>;
  const hashFn = kind === "deposit" ? named.depositDataHash! : named.withdrawalDataHash!;
  const hashes = await Promise.all(ids.map((_, i) => hashFn(pairs[i]!, recipient, mainAmounts[i]!)));
  const threshold = await bridge.threshold();
  const seen = ids.map(() => -1n);
  const end = Date.now() + timeoutMs;
  for (;;) {
    let all = true;
    // status and count read at one block, so "settled" is never shown beside an older count
    const at = { blockTag: await chain.getBlockNumber() };
    for (let i = 0; i < ids.length; i++) {
      const status = await bridge.status(ids[i]!, at);
      const n = await bridge.confirmations(ids[i]!, hashes[i]!, at);
      if (n !== seen[i]) {
        seen[i] = n;
        out(`   ${kind} ${ids[i]!.slice(0, 10)}…: ${n} of 6 signers confirmed (threshold ${threshold})${status === 2n ? " — settled" : ""}`);
      }
      if (status !== 2n) all = false;
    }
    if (all) return;
    if (Date.now() > end) throw new DevnetError("DEVNET_DEMO_TIMEOUT", `${kind}s not settled after ${timeoutMs / 1000} s: are the relayers running? (see the devnet's logs/relayer-*.log)`);
    await sleep(500);
  }
}
