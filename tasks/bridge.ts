import { task } from "./lib/task";
import { ZeroHash, formatUnits, type JsonRpcProvider, type Provider } from "ethers";
import { TaskError } from "./lib/errors";
import { ContractCallError } from "../lib/revert";
import { parseAddress, parseAmount, parseBytes32Id, parseInteger } from "../lib/args";
import { connect } from "../lib/chain";
import { deploymentsDir, loadDeployment } from "./lib/system";
import { findBridgeAddress } from "../services/relayer/config";
import { resolveEndpoint } from "./relayer";
import { parseRatio } from "./token";
import { connectContract } from "../ops/contracts";
import { addressOf, deploymentFromManifest } from "../ops/deployment";
import { propose } from "../ops/governance/propose";
import { registerBridgePair } from "../ops/bridge/registerBridgePair";
import { readBridgePair } from "../ops/bridge/readBridgePair";
import { deposit } from "../ops/bridge/deposit";
import { redeem } from "../ops/bridge/redeem";
import { bridgeStatus } from "../ops/bridge/bridgeStatus";

/** The task flag of each field of `BridgeBase.Limits`, to say a refusal of the bridge in the command line's words. */
const LIMIT_FLAGS: Record<string, string> = { minPerTx: "--min", maxPerTx: "--max", dailyIn: "--daily", dailyOut: "--daily" };

task("bridge:register-pair", "Proposes (governance) registering a main/product token pair on both bridge sides")
  .addParam("mainToken", "Main token (main chain)")
  .addParam("productToken", "Product token (product chain); its minter must be the product bridge")
  .addParam("ratio", "Product units per main unit (1, 2, 10 …)")
  .addOptionalParam("mainChainId", "Main chain id (default: this network's)")
  .addOptionalParam("productChainId", "Product chain id (default: this network's)")
  .addOptionalParam("min", "Minimum per transaction, whole main tokens", "1")
  .addOptionalParam("max", "Maximum per transaction, whole main tokens", "100000")
  .addOptionalParam("daily", "Daily limit each way, whole main tokens (the product side's limits are these × the ratio)", "1000000")
  .addOptionalParam("side", "both | main | product: which bridge(s) the proposal registers on", "both")
  .addOptionalParam("from", "Account index or address of the proposing validator", "0")
  .setAction(
    async (
      args: { mainToken: string; productToken: string; ratio: string; mainChainId?: string; productChainId?: string; min: string; max: string; daily: string; side: string; from: string },
      hre,
    ) => {
      const mainToken = parseAddress("main-token", args.mainToken);
      const productToken = parseAddress("product-token", args.productToken);
      const ratio = parseRatio(args.ratio);
      if (!["both", "main", "product"].includes(args.side)) throw new TaskError(`--side must be both, main or product, got "${args.side}"`);
      const here = (await hre.ethers.provider.getNetwork()).chainId;
      const mainChainId = args.mainChainId ? parseInteger("main-chain-id", args.mainChainId) : here;
      const productChainId = args.productChainId ? parseInteger("product-chain-id", args.productChainId) : here;
      const d = await loadDeployment(hre, args.from);
      const deployment = deploymentFromManifest(d.manifest, d.file);
      const provider = hre.ethers.provider;
      // amounts are in whole main tokens: the main token's decimals (it is on another chain when only the product side registers)
      const decimals = args.side === "product" ? 18 : Number(await connectContract("IERC20Metadata", mainToken, provider).decimals());
      const limits = { minPerTx: parseAmount("min", args.min, decimals), maxPerTx: parseAmount("max", args.max, decimals), dailyIn: 0n, dailyOut: 0n };
      limits.dailyIn = limits.dailyOut = parseAmount("daily", args.daily, decimals);
      const executor = addressOf(deployment, "LuniverseTimelock");
      let registration;
      try {
        registration = await registerBridgePair(
          { main: provider, product: provider },
          {
            mainToken,
            productToken,
            ratio,
            mainChainId,
            productChainId,
            limits,
            ...(args.side !== "product" ? { main: { bridge: addressOf(deployment, "MainBridge"), executor } } : {}),
            ...(args.side !== "main" ? { product: { bridge: addressOf(deployment, "ProductBridge"), executor } } : {}),
          },
        );
      } catch (e) {
        if (e instanceof ContractCallError && e.errorName === "BridgeInvalidLimits") {
          const reason = String(e.errorArgs?.[0] ?? "").replace(/\b(minPerTx|maxPerTx|dailyIn|dailyOut)\b/g, (field) => LIMIT_FLAGS[field]!);
          throw new TaskError(`the bridge refuses these limits: ${reason} (BridgeInvalidLimits)`, { cause: e });
        }
        throw e;
      }
      const description = `register bridge pair ${mainToken} (chain ${mainChainId}) / ${productToken} (chain ${productChainId}) 1:${ratio}`;
      const { proposalId } = await propose(d.signer, {
        governor: addressOf(deployment, "LuniverseGovernor"),
        targets: registration.calls.map((c) => c.target),
        calldatas: registration.calls.map((c) => c.data),
        description,
        what: "bridge:register-pair",
      });
      const pairId = registration.pairId;
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
    const d = await loadDeployment(hre, args.from);
    const bridge = addressOf(deploymentFromManifest(d.manifest, d.file), "MainBridge");
    const pair = await readBridgePair(hre.ethers.provider, { bridge, side: "main", pairId });
    const amount = parseAmount("amount", args.amount, pair.decimals);
    const recipient = args.recipient ? parseAddress("recipient", args.recipient) : undefined;
    const r = await deposit(d.signer, { bridge, pairId, amount, recipient });
    console.log(
      `deposit ${r.depositId}: locked ${formatUnits(r.mainAmount, pair.decimals)} main, ${formatUnits(r.productAmount, pair.decimals)} product tokens for ${r.recipient} on chain ${r.productChainId} after ${r.threshold} signer confirmations`,
    );
    return r.depositId;
  });

task("bridge:redeem", "Burns product tokens in the product bridge to release main tokens on the main chain")
  .addParam("pair", "Pair id")
  .addParam("amount", "Amount in whole product tokens (a whole number of main units after the ratio)")
  .addOptionalParam("recipient", "Receiver on the main chain (default: the sender)")
  .addOptionalParam("from", "Account index or address of the holder", "0")
  .setAction(async (args: { pair: string; amount: string; recipient?: string; from: string }, hre) => {
    const pairId = parseBytes32Id("pair", args.pair);
    const d = await loadDeployment(hre, args.from);
    const bridge = addressOf(deploymentFromManifest(d.manifest, d.file), "ProductBridge");
    const pair = await readBridgePair(hre.ethers.provider, { bridge, side: "product", pairId });
    const amount = parseAmount("amount", args.amount, pair.decimals);
    const recipient = args.recipient ? parseAddress("recipient", args.recipient) : undefined;
    const r = await redeem(d.signer, { bridge, pairId, amount, recipient });
    console.log(`redeem ${r.redeemId}: burnt ${formatUnits(r.productAmount, pair.decimals)} product, ${formatUnits(r.mainAmount, pair.decimals)} main tokens for ${r.recipient}`);
    return r.redeemId;
  });

task("bridge:status", "Shows who confirmed a deposit or redeem id (per signer of the current set, with the data hash) and whether it settled")
  .addParam("id", "Deposit or redeem id")
  .addOptionalParam("product", "Product chain when it is not this network: JSON-RPC URL or Hardhat network name")
  .addOptionalParam("productBridge", "ProductBridge address on --product (default: from its manifest)")
  .setAction(async (args: { id: string; product?: string; productBridge?: string }, hre) => {
    const id = parseBytes32Id("id", args.id);
    const d = await loadDeployment(hre);
    const deployment = deploymentFromManifest(d.manifest, d.file);
    const main: Provider = hre.ethers.provider;
    let product: Provider = main;
    let productBridge = args.productBridge ? parseAddress("product-bridge", args.productBridge) : undefined;
    let remote: JsonRpcProvider | undefined;
    try {
      if (args.product) {
        const endpoint = resolveEndpoint(hre, "product", args.product);
        const c = await connect(endpoint.url, { name: "product chain" });
        remote = c.provider;
        product = remote;
        productBridge = findBridgeAddress("ProductBridge", c.chainId, productBridge, endpoint.manifest, deploymentsDir());
      }
      const s = await bridgeStatus({ main, product }, { mainBridge: addressOf(deployment, "MainBridge"), productBridge: productBridge ?? addressOf(deployment, "ProductBridge"), id });
      const lines =
        s.kind === "deposit"
          ? [`deposit ${id}: ${s.sender} locked ${formatUnits(s.mainAmount, 18)} main for ${s.recipient}: ${formatUnits(s.productAmount, 18)} product (pair ${s.pairId})`]
          : [`redeem ${id}: ${s.sender} burnt ${formatUnits(s.productAmount, 18)} product for ${s.recipient}: ${formatUnits(s.mainAmount, 18)} main (pair ${s.pairId})`];
      lines.push(`  expected data hash ${s.expectedDataHash} (signer set version ${s.signerSetVersion})`);
      for (const c of s.signers) lines.push(`  ${c.signer}: ${c.dataHash === ZeroHash ? "— not confirmed" : c.matches ? `confirmed ${c.dataHash}` : `CONFLICTING data ${c.dataHash}`}`);
      lines.push(`  ${s.confirmations} of ${s.threshold} matching confirmations; status ${s.status}`);
      for (const l of lines) console.log(l);
      return { ...s, lines };
    } finally {
      remote?.destroy();
    }
  });
