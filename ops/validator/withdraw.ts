import type { Signer } from "ethers";
import { connectContract } from "../contracts";
import { findEvent, sendAndWait } from "../receipts";

export interface WithdrawParameters {
  /** The `ValidatorSet`. */
  validatorSet: string;
}

export interface WithdrawReturnType {
  validator: string;
  /** Staking tokens paid back. */
  amount: bigint;
  transactionHash: string;
}

/**
 * The sender collects its stake whose unbonding period is over. The contract checks that there is some and that the
 * period is over (`ValidatorSetNothingToWithdraw`, `ValidatorSetUnbonding(releaseBlock)`); a revert names its custom
 * error.
 */
export async function withdraw(validator: Signer, parameters: WithdrawParameters): Promise<WithdrawReturnType> {
  const validatorSet = connectContract("ValidatorSet", parameters.validatorSet, validator);
  const receipt = await sendAndWait("withdraw", () => validatorSet.withdraw());
  const event = findEvent(receipt, parameters.validatorSet, validatorSet.interface, "Withdrawn");
  return { validator: await validator.getAddress(), amount: event.args.amount as bigint, transactionHash: receipt.hash };
}
