import { ZeroAddress, type ContractTransactionResponse, type Provider, type Signer } from "ethers";
import { explainRevert } from "../../lib/revert";
import { connectContract } from "../contracts";
import { requireCode } from "../deployment";
import { OperationError } from "../errors";
import { sendAndWait } from "../receipts";

/** A pair's limits on one bridge side, in that side's token base units (`BridgeBase.Limits`). */
export interface BridgeLimits {
  minPerTx: bigint;
  maxPerTx: bigint;
  dailyIn: bigint;
  dailyOut: bigint;
}

/** One call of a governance proposal (or of a direct transaction by the account that governs the bridge). */
export interface GovernanceCall {
  target: string;
  data: string;
}

/** One bridge side to register the pair on. */
export interface RegisterBridgePairSide {
  /** The `MainBridge` (main side) or `ProductBridge` (product side). */
  bridge: string;
  /**
   * The account that will execute the call: the holder of `GOVERNANCE_ROLE` on that bridge (the timelock; on a
   * development product chain, its deployer). The registration is simulated as it before anything is proposed.
   */
  executor: string;
}

export interface RegisterBridgePairClients {
  /** The main chain (needed for the main side). */
  main?: Provider;
  /** The product chain (needed for the product side). */
  product?: Provider;
}

export interface RegisterBridgePairParameters {
  mainToken: string;
  productToken: string;
  /** Product units per main unit. */
  ratio: bigint;
  /** The main chain's id (default: the main provider's). */
  mainChainId?: bigint;
  /** The product chain's id (default: the product provider's). */
  productChainId?: bigint;
  /**
   * The pair's limits in main-token base units. The main side registers them as they are; the product side registers
   * what the product bridge's `scaledLimits(limits, ratio)` returns (the contract owns that rule).
   */
  limits: BridgeLimits;
  /** Register on the main bridge. */
  main?: RegisterBridgePairSide;
  /** Register on the product bridge. */
  product?: RegisterBridgePairSide;
  /** Leave out a side that already knows the pair (default: that is an `OP_PRECONDITION`). */
  skipRegistered?: boolean;
}

export interface RegisterBridgePairSideResult {
  /** The call that registers the pair on this side, or null when it is registered already (`skipRegistered`). */
  call: GovernanceCall | null;
  /** The limits this side registers, in its own token units. */
  limits: BridgeLimits;
}

export interface RegisterBridgePairReturnType {
  /** The pair id both sides use. */
  pairId: string;
  /** The calls to execute, main side first (empty when every requested side knows the pair already). */
  calls: GovernanceCall[];
  main?: RegisterBridgePairSideResult;
  product?: RegisterBridgePairSideResult;
}

const HINTS: Record<string, string> = {
  AccessControlUnauthorizedAccount: "the executor does not hold GOVERNANCE_ROLE on this bridge: give the timelock (or the account that governs the bridge)",
  BridgeInvalidRatio: "the ratio must be between 1 and the bridge's MAX_RATIO",
};

function plainLimits(l: { minPerTx: bigint; maxPerTx: bigint; dailyIn: bigint; dailyOut: bigint }): BridgeLimits {
  return { minPerTx: l.minPerTx, maxPerTx: l.maxPerTx, dailyIn: l.dailyIn, dailyOut: l.dailyOut };
}

async function chainIdOf(provider: Provider, given: bigint | undefined, what: string): Promise<bigint> {
  const chainId = (await provider.getNetwork()).chainId;
  if (given !== undefined && given !== chainId) {
    throw new OperationError("OP_INVALID_PARAMETER", `the ${what} chain id is ${given}, but the ${what} bridge's chain is ${chainId}`, { hint: `give the ${what} chain's id, or leave it out` });
  }
  return chainId;
}

/**
 * Builds the calls that register a main/product token pair on the main bridge, the product bridge or both — for a
 * governance proposal (`propose` / `passProposal`), or for {@link executeCalls} where an account governs the bridge.
 * Nothing is sent: each call is first simulated (a static call) as its executor, so every rule of `registerPair` —
 * the ratio range, `0 < minPerTx <= maxPerTx`, the product bridge being the token's minter, a pair registered
 * twice — is the contract's, reported as a `ContractCallError` naming its custom error. The product side's limits come
 * from the product bridge's `scaledLimits(limits, ratio)`.
 */
export async function registerBridgePair(clients: RegisterBridgePairClients, parameters: RegisterBridgePairParameters): Promise<RegisterBridgePairReturnType> {
  const { mainToken, productToken, ratio, limits } = parameters;
  if (!parameters.main && !parameters.product) {
    throw new OperationError("OP_INVALID_PARAMETER", "registerBridgePair needs the main side, the product side or both");
  }
  if (parameters.main && !clients.main) throw new OperationError("OP_INVALID_PARAMETER", "registering on the main bridge needs the main chain's provider");
  if (parameters.product && !clients.product) throw new OperationError("OP_INVALID_PARAMETER", "registering on the product bridge needs the product chain's provider");

  const mainChainId = clients.main && parameters.main ? await chainIdOf(clients.main, parameters.mainChainId, "main") : parameters.mainChainId;
  const productChainId = clients.product && parameters.product ? await chainIdOf(clients.product, parameters.productChainId, "product") : parameters.productChainId;
  if (mainChainId === undefined) throw new OperationError("OP_INVALID_PARAMETER", "the main chain id is required to register only the product side");
  if (productChainId === undefined) throw new OperationError("OP_INVALID_PARAMETER", "the product chain id is required to register only the main side");

  const result: RegisterBridgePairReturnType = { pairId: "", calls: [] };
  const simulate = async (provider: Provider, side: RegisterBridgePairSide, call: GovernanceCall, what: string): Promise<void> => {
    await explainRevert(`registerPair on the ${what} bridge (simulated as ${side.executor})`, () => provider.call({ from: side.executor, to: call.target, data: call.data }), HINTS);
  };
  const alreadyRegistered = (what: string, pairId: string): null => {
    if (parameters.skipRegistered) return null;
    throw new OperationError("OP_PRECONDITION", `pair ${pairId} is already registered on the ${what} bridge`, { hint: "register only the other side (--side), or change its limits by governance (setLimits)" });
  };

  if (parameters.main) {
    const provider = clients.main!;
    await requireCode(provider, parameters.main.bridge, "MainBridge");
    const bridge = connectContract("MainBridge", parameters.main.bridge, provider);
    const pairId = await bridge.pairIdOf(mainToken, productChainId, productToken);
    result.pairId = pairId;
    let call: GovernanceCall | null = { target: parameters.main.bridge, data: bridge.interface.encodeFunctionData("registerPair", [mainToken, productChainId, productToken, ratio, limits]) };
    if ((await bridge.getPair(pairId)).mainToken !== ZeroAddress) call = alreadyRegistered("main", pairId);
    if (call) await simulate(provider, parameters.main, call, "main");
    result.main = { call, limits: plainLimits(limits) };
  }
  if (parameters.product) {
    const provider = clients.product!;
    await requireCode(provider, parameters.product.bridge, "ProductBridge");
    const bridge = connectContract("ProductBridge", parameters.product.bridge, provider);
    // the same id as the main bridge's: both chain ids were checked against the providers
    const pairId = await bridge.pairIdOf(mainChainId, mainToken, productToken);
    result.pairId = pairId;
    const scaled = plainLimits(await explainRevert("scaledLimits on the product bridge", () => bridge.scaledLimits(limits, ratio), HINTS));
    let call: GovernanceCall | null = { target: parameters.product.bridge, data: bridge.interface.encodeFunctionData("registerPair", [mainChainId, mainToken, productToken, ratio, scaled]) };
    if ((await bridge.getPair(pairId)).productToken !== ZeroAddress) call = alreadyRegistered("product", pairId);
    if (call) await simulate(provider, parameters.product, call, "product");
    result.product = { call, limits: scaled };
  }
  result.calls = [result.main?.call, result.product?.call].filter((c): c is GovernanceCall => c !== null && c !== undefined);
  return result;
}

export interface ExecuteCallsReturnType {
  transactionHashes: string[];
}

/**
 * Sends `calls` one by one from `governor` — the account that holds `GOVERNANCE_ROLE` on their targets directly (a
 * development product chain's deployer, a test's impersonated timelock). A revert names the contract's custom error.
 */
export async function executeCalls(governor: Signer, calls: GovernanceCall[], what = "governance call"): Promise<ExecuteCallsReturnType> {
  const transactionHashes: string[] = [];
  for (const call of calls) {
    const receipt = await sendAndWait(what, () => governor.sendTransaction({ to: call.target, data: call.data }) as Promise<unknown> as Promise<ContractTransactionResponse>, HINTS);
    transactionHashes.push(receipt.hash);
  }
  return { transactionHashes };
}
