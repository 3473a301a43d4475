import { task } from "./lib/task";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { ZeroHash, id as keccakText, formatUnits } from "ethers";
import { TaskError } from "./lib/errors";
import { explainRevert } from "../lib/revert";
import { parseAddress, parseAmount, parseInteger } from "../lib/args";
import { deploymentsDir, loadSystem, type SystemHandles } from "./lib/system";
import type { JsonRpcProvider } from "ethers";
import { connect, ChainError } from "../lib/chain";
import { findBridgeAddress, RelayerConfigError } from "../services/relayer/config";
import { resolveEndpoint } from "./relayer";
import { typechain } from "../lib/typechain";

const STATUS = ["None", "Queued", "Executed"] as const;

function parseBytes32Id(flag: string, value: string): string {
  if (!/^0x[0-9a-fA-F]{64}$/.test(value)) throw new TaskError(`--${flag} must be a 0x-prefixed 32-byte id, got "${value}"`);
  return value;
}

async function tokenDecimals(hre: HardhatRuntimeEnvironment, token: string): Promise<number> {
  const c = await hre.ethers.getContractAt("MainToken", token);
  return Number(await c.decimals());
}

task("bridge:register-pair", "Proposes (governance) registering a main/product token pair on both bridge sides")
  .addParam("mainToken", "Main token (main chain)")
  .addParam("productToken", "Product token (product chain); its minter must be the product bridge")
  .addParam("ratio", "Product units per main unit (1, 2, 10 …)")
  .addOptionalParam("mainChainId", "Main chain id (default: this network's)")
  .addOptionalParam("productChainId", "Product chain id (default: this network's)")
  .addOptionalParam("min", "Minimum per transaction, whole main tokens", "1")
  .addOptionalParam("max", "Maximum per transaction, whole main tokens", "100000")
  .addOptionalParam("daily", "Daily limit each way, whole main tokens", "1000000")
  .addOptionalParam("side", "both | main | product: which bridge(s) the proposal registers on", "both")
  .addOptionalParam("from", "Account index or address of the proposing validator", "0")
  .setAction(
    async (
      args: { mainToken: string; productToken: string; ratio: string; mainChainId?: string; productChainId?: string; min: string; max: string; daily: string; side: string; from: string },
      hre,
    ) => {
      const mainToken = parseAddress("main-token", args.mainToken);
      const productToken = parseAddress("product-token", args.productToken);
      const ratio = parseInteger("ratio", args.ratio);
      if (ratio === 0n) throw new TaskError("--ratio must be at least 1");
      if (!["both", "main", "product"].includes(args.side)) throw new TaskError(`--side must be both, main or product, got "${args.side}"`);
      const here = (await hre.ethers.provider.getNetwork()).chainId;
      const mainChainId = args.mainChainId ? parseInteger("main-chain-id", args.mainChainId) : here;
      const productChainId = args.productChainId ? parseInteger("product-chain-id", args.productChainId) : here;
      const sys = await loadSystem(hre, args.from);
      const decimals = args.side === "product" ? 18 : await tokenDecimals(hre, mainToken);
      const min = parseAmount("min", args.min, decimals);
      const max = parseAmount("max", args.max, decimals);
      const daily = parseAmount("daily", args.daily, decimals);
      if (min > max) throw new TaskError("--min is above --max");
      const mainLimits = { minPerTx: min, maxPerTx: max, dailyIn: daily, dailyOut: daily };
      const productLimits = { minPerTx: min * ratio, maxPerTx: max * ratio, dailyIn: daily * ratio, dailyOut: daily * ratio };
      const targets: string[] = [];
      const calldatas: string[] = [];
      if (args.side !== "product") {
        targets.push(await sys.mainBridge.getAddress());
        calldatas.push(sys.mainBridge.interface.encodeFunctionData("registerPair", [mainToken, productChainId, productToken, ratio, mainLimits]));
      }
      if (args.side !== "main") {
        targets.push(await sys.productBridge.getAddress());
        calldatas.push(sys.productBridge.interface.encodeFunctionData("registerPair", [mainChainId, mainToken, productToken, ratio, productLimits]));
      }
      const description = `register bridge pair ${mainToken} (chain ${mainChainId}) / ${productToken} (chain ${productChainId}) 1:${ratio}`;
      const values = targets.map(() => 0n);
      const proposalId = await sys.governor.hashProposal(targets, values, calldatas, keccakText(description));
      await explainRevert("bridge:register-pair", async () => (await sys.governor.propose(targets, values, calldatas, description)).wait());
      const pairId = await sys.mainBridge.pairIdOf(mainToken, productChainId, productToken);
      console.log(`proposal ${proposalId}\n  ${description}\n  pair id ${pairId}\n  validators vote with gov:vote --id ${proposalId}; then gov:execute`);
      return { proposalId, pairId };
    },
  );

task("bridge:deposit", "Locks main tokens in the main bridge for product tokens on the product chain")
  .addParam("pair", "Pair id (printed by bridge:register-pair)")
  .addParam("amount", "Amount in whole main tokens")
  .addOptionalParam("recipient", "Receiver on the product chain (default: the sender)")
  .addOptionalParam("from", "Account index or address of the depositor", "0")
  .setAction(async (args: { pair: string; amount: string; recipient?: string; from: string }, hre) => {
    const pairId = parseBytes32Id("pair", args.pair);
    const sys = await loadSystem(hre, args.from);
    const pair = await sys.mainBridge.getPair(pairId);
    if (pair.mainToken === hre.ethers.ZeroAddress) throw new TaskError(`pair ${pairId} is not registered on the main bridge`);
    const token = await hre.ethers.getContractAt("MainToken", pair.mainToken, sys.signer);
    const decimals = Number(await token.decimals());
    const amount = parseAmount("amount", args.amount, decimals);
    const from = await sys.signer.getAddress();
    const recipient = args.recipient ? parseAddress("recipient", args.recipient) : from;
    const bridge = await sys.mainBridge.getAddress();
    if ((await token.allowance(from, bridge)) < amount) {
      await explainRevert("approve", async () => (await token.approve(bridge, amount)).wait());
    }
    const receipt = await explainRevert("bridge:deposit", async () => (await sys.mainBridge.deposit(pairId, recipient, amount)).wait());
    const ev = receipt!.logs.map((l) => sys.mainBridge.interface.parseLog(l)).find((p) => p?.name === "Deposited");
    const depositId = ev!.args.depositId as string;
    console.log(
      `deposit ${depositId}: locked ${formatUnits(amount, decimals)} main, ${formatUnits(amount * pair.ratio, decimals)} product tokens for ${recipient} on chain ${pair.productChainId} after ${await sys.mainBridge.threshold()} signer confirmations`,
    );
    return depositId;
  });

task("bridge:redeem", "Burns product tokens in the product bridge to release main tokens on the main chain")
  .addParam("pair", "Pair id")
  .addParam("amount", "Amount in whole product tokens (a whole number of main units after the ratio)")
  .addOptionalParam("recipient", "Receiver on the main chain (default: the sender)")
  .addOptionalParam("from", "Account index or address of the holder", "0")
  .setAction(async (args: { pair: string; amount: string; recipient?: string; from: string }, hre) => {
    const pairId = parseBytes32Id("pair", args.pair);
    const sys = await loadSystem(hre, args.from);
    const pair = await sys.productBridge.getPair(pairId);
    if (pair.productToken === hre.ethers.ZeroAddress) throw new TaskError(`pair ${pairId} is not registered on the product bridge`);
    const token = await hre.ethers.getContractAt("ProductToken", pair.productToken, sys.signer);
    const decimals = Number(await token.decimals());
    const amount = parseAmount("amount", args.amount, decimals);
    const from = await sys.signer.getAddress();
    const recipient = args.recipient ? parseAddress("recipient", args.recipient) : from;
    const receipt = await explainRevert("bridge:redeem", async () => (await sys.productBridge.redeem(pairId, recipient, amount)).wait(), {
      ProductBridgeInexactAmount: `the amount must be a multiple of the ratio ${pair.ratio} (in the token's smallest units), so no value is lost to rounding`,
    });
    const ev = receipt!.logs.map((l) => sys.productBridge.interface.parseLog(l)).find((p) => p?.name === "Redeemed");
    const redeemId = ev!.args.redeemId as string;
    console.log(`redeem ${redeemId}: burnt ${formatUnits(amount, decimals)} product, ${formatUnits(amount / pair.ratio, decimals)} main tokens for ${recipient}`);
    return redeemId;
  });

/** Describes the state of a deposit or redeem id: the announcing event, its status and every signer's confirmation. */
export async function bridgeStatus(
  sys: Pick<SystemHandles, "mainBridge" | "productBridge">,
  id: string,
): Promise<{ kind: string; status: string; confirmedBy: string[]; signers: { signer: string; dataHash: string; matches: boolean }[]; lines: string[] }> {
  const lines: string[] = [];
  const deposits = await sys.mainBridge.queryFilter(sys.mainBridge.filters.Deposited(id), 0);
  const redeems = await sys.productBridge.queryFilter(sys.productBridge.filters.Redeemed(id), 0);
  let kind: string;
  let settling: SystemHandles["mainBridge"] | SystemHandles["productBridge"];
  let expected: string;
  if (deposits.length > 0) {
    const a = deposits[0]!.args;
    kind = "deposit";
    settling = sys.productBridge;
    expected = await sys.productBridge.depositDataHash(a.pairId, a.recipient, a.mainAmount);
    lines.push(`deposit ${id}: ${a.sender} locked ${formatUnits(a.mainAmount, 18)} main for ${a.recipient}: ${formatUnits(a.productAmount, 18)} product (pair ${a.pairId})`);
  } else if (redeems.length > 0) {
    const a = redeems[0]!.args;
    kind = "redeem";
    settling = sys.mainBridge;
    expected = await sys.mainBridge.withdrawalDataHash(a.pairId, a.recipient, a.mainAmount);
    lines.push(`redeem ${id}: ${a.sender} burnt ${formatUnits(a.productAmount, 18)} product for ${a.recipient}: ${formatUnits(a.mainAmount, 18)} main (pair ${a.pairId})`);
  } else {
    throw new TaskError(`no deposit or redeem with id ${id} on this network's bridges`);
  }
  const status = STATUS[Number(await settling.status(id))]!;
  const threshold = await settling.threshold();
  const confirmedBy: string[] = [];
  const signers: { signer: string; dataHash: string; matches: boolean }[] = [];
  lines.push(`  expected data hash ${expected} (signer set version ${await settling.signerSetVersion()})`);
  for (const s of await settling.signers()) {
    const h = await settling.confirmedData(id, s);
    const what = h === ZeroHash ? "— not confirmed" : h === expected ? `confirmed ${h}` : `CONFLICTING data ${h}`;
    if (h === expected) confirmedBy.push(s);
    signers.push({ signer: s, dataHash: h, matches: h === expected });
    lines.push(`  ${s}: ${what}`);
  }
  lines.push(`  ${confirmedBy.length} of ${threshold} matching confirmations; status ${status}`);
  return { kind, status, confirmedBy, signers, lines };
}

task("bridge:status", "Shows who confirmed a deposit or redeem id (per signer of the current set, with the data hash) and whether it settled")
  .addParam("id", "Deposit or redeem id")
  .addOptionalParam("product", "Product chain when it is not this network: JSON-RPC URL or Hardhat network name")
  .addOptionalParam("productBridge", "ProductBridge address on --product (default: from its manifest)")
  .setAction(async (args: { id: string; product?: string; productBridge?: string }, hre) => {
    const id = parseBytes32Id("id", args.id);
    const sys = await loadSystem(hre);
    let handles: Pick<SystemHandles, "mainBridge" | "productBridge"> = sys;
    let provider: JsonRpcProvider | undefined;
    if (args.product) {
      const endpoint = resolveEndpoint(hre, "product", args.product);
      try {
        const c = await connect(endpoint.url, { name: "product chain" });
        provider = c.provider;
        const address = findBridgeAddress("ProductBridge", c.chainId, args.productBridge ? parseAddress("product-bridge", args.productBridge) : undefined, endpoint.manifest, deploymentsDir());
        handles = { mainBridge: sys.mainBridge, productBridge: typechain().ProductBridge__factory.connect(address, provider) as unknown as SystemHandles["productBridge"] };
      } catch (e) {
        if (e instanceof ChainError || e instanceof RelayerConfigError) throw new TaskError(e.message);
        throw e;
      }
    }
    try {
      const result = await bridgeStatus(handles, id);
      for (const l of result.lines) console.log(l);
      return result;
    } finally {
      provider?.destroy();
    }
  });
