import { ZeroAddress, type Provider } from "ethers";
import { connectContract } from "../contracts";
import { requireCode } from "../deployment";
import { OperationError } from "../errors";

/** Which bridge: `main` is the `MainBridge` (lock/release), `product` the `ProductBridge` (mint/burn). */
export type BridgeSide = "main" | "product";

export interface ReadBridgePairParameters {
  /** The bridge's address (`MainBridge` for `main`, `ProductBridge` for `product`). */
  bridge: string;
  side: BridgeSide;
  pairId: string;
}

export interface ReadBridgePairReturnType {
  pairId: string;
  side: BridgeSide;
  mainToken: string;
  productToken: string;
  /** The other side's chain id (the product chain's on the main bridge, the main chain's on the product bridge). */
  otherChainId: bigint;
  /** Product units per main unit. */
  ratio: bigint;
  /** Whether users may deposit (main) or redeem (product). */
  enabled: boolean;
  /** The token users send in on this side (the main token on `main`, the product token on `product`) and its decimals. */
  token: string;
  decimals: number;
}

/**
 * A pair as one bridge side records it, with the decimals of the token users send in on that side (what a caller
 * needs to parse an amount). A pair the bridge does not know is an `OP_PRECONDITION`.
 */
export async function readBridgePair(provider: Provider, parameters: ReadBridgePairParameters): Promise<ReadBridgePairReturnType> {
  const { bridge, side, pairId } = parameters;
  await requireCode(provider, bridge, side === "main" ? "MainBridge" : "ProductBridge");
  let pair: { mainToken: string; productToken: string; ratio: bigint; enabled: boolean; otherChainId: bigint };
  if (side === "main") {
    const p = await connectContract("MainBridge", bridge, provider).getPair(pairId);
    pair = { mainToken: p.mainToken, productToken: p.productToken, ratio: p.ratio, enabled: p.enabled, otherChainId: p.productChainId };
  } else {
    const p = await connectContract("ProductBridge", bridge, provider).getPair(pairId);
    pair = { mainToken: p.mainToken, productToken: p.productToken, ratio: p.ratio, enabled: p.enabled, otherChainId: p.mainChainId };
  }
  const token = side === "main" ? pair.mainToken : pair.productToken;
  if (token === ZeroAddress) {
    throw new OperationError("OP_PRECONDITION", `pair ${pairId} is not registered on the ${side} bridge`, { hint: "check the pair id bridge:register-pair printed, and the network" });
  }
  const decimals = Number(await connectContract("IERC20Metadata", token, provider).decimals());
  return { pairId, side, ...pair, token, decimals };
}
