import type { Signer } from "ethers";
import { connectContract } from "../contracts";
import { findEvent, sendAndWait } from "../receipts";

export interface JoinParameters {
  /** The `ValidatorSet`. */
  validatorSet: string;
}

export type JoinReturnType =
  /** Joined now: in force from `effectiveBlock` (the next epoch). */
  | { validator: string; alreadyListed: false; effectiveBlock: bigint; transactionHash: string }
  /** Already in the set: nothing was sent. */
  | { validator: string; alreadyListed: true };

/**
 * The sender enters the validator set from the next epoch. Already in the set, nothing is sent. The contract checks
 * approval, stake, jail and room (`ValidatorSetNotApproved`, `ValidatorSetInsufficientStake`, `ValidatorSetJailed`,
 * `ValidatorSetFull`); a revert names its custom error with a hint.
 */
export async function join(candidate: Signer, parameters: JoinParameters): Promise<JoinReturnType> {
  const validator = await candidate.getAddress();
  const validatorSet = connectContract("ValidatorSet", parameters.validatorSet, candidate);
  if ((await validatorSet.getValidator(validator)).listed) return { validator, alreadyListed: true };
  const receipt = await sendAndWait("join", () => validatorSet.join());
  const added = findEvent(receipt, parameters.validatorSet, validatorSet.interface, "ValidatorAdded");
  return { validator, alreadyListed: false, effectiveBlock: added.args.effectiveBlock as bigint, transactionHash: receipt.hash };
}
