import type { Signer } from "ethers";
import { connectContract } from "../contracts";
import { sendAndWait } from "../receipts";

export interface UnstakeParameters {
  /** The `ValidatorSet`. */
  validatorSet: string;
  /** Stake in base units to start unbonding. */
  amount: bigint;
}

export interface UnstakeReturnType {
  validator: string;
  /** Everything unbonding now (this amount and any earlier). */
  unbonding: bigint;
  /** The block from which {@link withdraw} can collect it. */
  releaseBlock: bigint;
  /** Stake still bonded. */
  stake: bigint;
  /** Whether it is still in the set (a stake below the minimum leaves it at the next epoch). */
  listed: boolean;
  transactionHash: string;
}

/**
 * The sender (a validator) starts unbonding `amount` of its stake; after the unbonding period {@link withdraw}
 * collects it. The contract checks the stake, jail and that the last validator does not leave; a revert names its
 * custom error.
 */
export async function unstake(validator: Signer, parameters: UnstakeParameters): Promise<UnstakeReturnType> {
  const who = await validator.getAddress();
  const validatorSet = connectContract("ValidatorSet", parameters.validatorSet, validator);
  const receipt = await sendAndWait("unstake", () => validatorSet.requestUnstake(parameters.amount));
  const v = await validatorSet.getValidator(who);
  return { validator: who, unbonding: v.unbonding, releaseBlock: v.unbondingReleaseBlock, stake: v.stake, listed: v.listed, transactionHash: receipt.hash };
}
