import type { Signer } from "ethers";
import { connectContract } from "../contracts";
import { sendAndWait } from "../receipts";
import { ensureAllowance } from "../token/ensureAllowance";
import { ECONOMY_HINTS } from "./hints";

export interface FundRewardEngineParameters {
  engine: string;
  /** Base units of the engine's token, from the sender (anyone may fund). */
  amount: bigint;
}

export interface FundRewardEngineReturnType {
  /** The engine's approval, when one was sent. */
  approvalHash?: string;
  transactionHash: string;
  /** The engine's unallocated funds afterwards. */
  unallocated: bigint;
}

/** Adds tokens to a reward engine's funds, approving the engine first when the allowance is short. */
export async function fundRewardEngine(funder: Signer, parameters: FundRewardEngineParameters): Promise<FundRewardEngineReturnType> {
  const engine = connectContract("RewardEngine", parameters.engine, funder);
  const approval = await ensureAllowance(funder, { token: await engine.token(), spender: parameters.engine, amount: parameters.amount });
  const receipt = await sendAndWait("reward:fund", () => engine.fund(parameters.amount), ECONOMY_HINTS);
  return {
    ...(approval.transactionHash === undefined ? {} : { approvalHash: approval.transactionHash }),
    transactionHash: receipt.hash,
    unallocated: await engine.unallocated(),
  };
}
