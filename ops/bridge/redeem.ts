import type { Signer } from "ethers";
import { connectContract } from "../contracts";
import { OperationError } from "../errors";
import { findEvent, sendAndWait } from "../receipts";
import { readBridgePair } from "./readBridgePair";

export interface RedeemParameters {
  /** The `ProductBridge` on the product chain. */
  bridge: string;
  pairId: string;
  /** Product-token base units to burn (a whole number of main units: a multiple of the ratio). */
  amount: bigint;
  /** Who receives the main tokens on the main chain (default: the sender). */
  recipient?: string;
}

export interface RedeemReturnType {
  redeemId: string;
  pairId: string;
  productToken: string;
  recipient: string;
  /** Product-token base units burnt. */
  productAmount: bigint;
  /** Main-token base units the main bridge releases once the signers confirm (as the `Redeemed` event says). */
  mainAmount: bigint;
  mainChainId: bigint;
  transactionHash: string;
}

/**
 * A holder burns product tokens in the `ProductBridge` to have main tokens released on the main chain. The bridge
 * checks the amount (a multiple of the pair's ratio, within its limits); a refusal names its custom error, with the
 * pair's ratio in the hint.
 */
export async function redeem(holder: Signer, parameters: RedeemParameters): Promise<RedeemReturnType> {
  if (!holder.provider) throw new OperationError("OP_INVALID_PARAMETER", "the holder's signer has no provider");
  const pair = await readBridgePair(holder.provider, { bridge: parameters.bridge, side: "product", pairId: parameters.pairId });
  const bridge = connectContract("ProductBridge", parameters.bridge, holder);
  const recipient = parameters.recipient ?? (await holder.getAddress());
  const receipt = await sendAndWait("redeem", () => bridge.redeem(parameters.pairId, recipient, parameters.amount), {
    ProductBridgeInexactAmount: `the amount must be a multiple of the ratio ${pair.ratio} (in the token's smallest units), so no value is lost to rounding`,
    ProductBridgePairDisabled: "governance has stopped redeems of this pair",
    BridgeDailyLimitExceeded: "the pair's daily redeem limit is used up; try a smaller amount or after 00:00 UTC",
    ERC20InsufficientBalance: "the sender does not hold that many product tokens",
  });
  const event = findEvent(receipt, parameters.bridge, bridge.interface, "Redeemed");
  return {
    redeemId: event.args.redeemId as string,
    pairId: parameters.pairId,
    productToken: pair.productToken,
    recipient: event.args.recipient as string,
    productAmount: event.args.productAmount as bigint,
    mainAmount: event.args.mainAmount as bigint,
    mainChainId: event.args.mainChainId as bigint,
    transactionHash: receipt.hash,
  };
}
