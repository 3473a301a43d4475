import { MaxUint256, type Signer } from "ethers";
import { decodeCustomError, explainRevert } from "../../lib/revert";
import { connectContract } from "../contracts";
import { OperationError } from "../errors";
import { findEvent, sendAndWait } from "../receipts";
import { readBridgePair } from "./readBridgePair";

export interface DepositParameters {
  /** The `MainBridge` on the main chain. */
  bridge: string;
  pairId: string;
  /** Main-token base units to lock. */
  amount: bigint;
  /** Who receives the product tokens on the product chain (default: the sender). */
  recipient?: string;
  /** What to approve when the allowance is short: exactly `amount` (default) or without limit. */
  approve?: "exact" | "unlimited";
}

export interface DepositReturnType {
  depositId: string;
  pairId: string;
  mainToken: string;
  recipient: string;
  /** Main-token base units locked. */
  mainAmount: bigint;
  /** Product-token base units the product bridge mints once the signers confirm (as the `Deposited` event says). */
  productAmount: bigint;
  productChainId: bigint;
  /** Matching signer confirmations needed to mint (the bridge's threshold). */
  threshold: bigint;
  /** The approval's transaction, when the allowance was short. */
  approvalHash?: string;
  transactionHash: string;
}

export const DEPOSIT_HINTS: Record<string, string> = {
  MainBridgePairDisabled: "governance has stopped deposits of this pair",
  BridgeDailyLimitExceeded: "the pair's daily deposit limit is used up; try a smaller amount or after 00:00 UTC",
  ERC20InsufficientBalance: "the sender does not hold that many main tokens",
};

/**
 * A holder locks main tokens in the `MainBridge` for product tokens on the product chain: approves the bridge when
 * the allowance is short, then deposits. The deposit is simulated first (a static call), so an amount the bridge
 * refuses — below the pair's minimum, above its maximum, over the day's limit, a paused bridge — is its custom error
 * before any approval is sent.
 */
export async function deposit(holder: Signer, parameters: DepositParameters): Promise<DepositReturnType> {
  if (!holder.provider) throw new OperationError("OP_INVALID_PARAMETER", "the holder's signer has no provider");
  const pair = await readBridgePair(holder.provider, { bridge: parameters.bridge, side: "main", pairId: parameters.pairId });
  const bridge = connectContract("MainBridge", parameters.bridge, holder);
  const recipient = parameters.recipient ?? (await holder.getAddress());
  let needsApproval = false;
  await explainRevert(
    "deposit",
    async () => {
      try {
        await bridge.deposit.staticCall(parameters.pairId, recipient, parameters.amount);
      } catch (e) {
        // every rule of the bridge comes before the token transfer: a short allowance is the only refusal left
        if (decodeCustomError(e)?.name !== "ERC20InsufficientAllowance") throw e;
        needsApproval = true;
      }
    },
    DEPOSIT_HINTS,
  );
  let approvalHash: string | undefined;
  if (needsApproval) {
    const token = connectContract("IERC20", pair.mainToken, holder);
    const amount = parameters.approve === "unlimited" ? MaxUint256 : parameters.amount;
    approvalHash = (await sendAndWait(`approve the MainBridge for ${pair.mainToken}`, () => token.approve(parameters.bridge, amount))).hash;
  }
  const receipt = await sendAndWait("deposit", () => bridge.deposit(parameters.pairId, recipient, parameters.amount), DEPOSIT_HINTS);
  const event = findEvent(receipt, parameters.bridge, bridge.interface, "Deposited");
  return {
    depositId: event.args.depositId as string,
    pairId: parameters.pairId,
    mainToken: pair.mainToken,
    recipient: event.args.recipient as string,
    mainAmount: event.args.mainAmount as bigint,
    productAmount: event.args.productAmount as bigint,
    productChainId: event.args.productChainId as bigint,
    threshold: await bridge.threshold(),
    ...(approvalHash ? { approvalHash } : {}),
    transactionHash: receipt.hash,
  };
}
