import { formatEther, type Signer } from "ethers";
import { connectContract } from "../contracts";
import { OperationError } from "../errors";
import { findEvent, sendAndWait } from "../receipts";

export interface StakeParameters {
  /** The `ValidatorSet`. */
  validatorSet: string;
  /** Staking tokens in base units, paid by the sender. */
  amount: bigint;
  /** The validator credited (default: the sender). */
  validator?: string;
}

export interface StakeReturnType {
  validator: string;
  /** The validator's bonded stake after staking. */
  stake: bigint;
  /** The set's minimum stake. */
  minStake: bigint;
  /** Whether the validator is in the set (or enters it at the next epoch). */
  listed: boolean;
  /** Whether governance approved it as a candidate. */
  approved: boolean;
  /** The block from which it is in force, when this stake put it into the set. */
  effectiveBlock?: bigint;
  /** The approval of the staking token, when the allowance was too small. */
  approvalTransactionHash?: string;
  transactionHash: string;
}

/**
 * Bonds staking tokens to a validator's stake (`stakeFor`), approving the staking token first when its allowance is
 * too small. An approved candidate whose stake reaches the minimum enters the set at the next epoch. A sender that
 * holds fewer tokens than `amount` is an `OP_PRECONDITION`; a revert names its custom error.
 */
export async function stake(sender: Signer, parameters: StakeParameters): Promise<StakeReturnType> {
  const from = await sender.getAddress();
  const validator = parameters.validator ?? from;
  const validatorSet = connectContract("ValidatorSet", parameters.validatorSet, sender);
  const token = connectContract("StakingToken", await validatorSet.stakingToken(), sender);
  const balance = await token.balanceOf(from);
  if (balance < parameters.amount) {
    throw new OperationError("OP_PRECONDITION", `${from} holds ${formatEther(balance)} staking tokens, less than the ${formatEther(parameters.amount)} to stake`);
  }
  let approvalTransactionHash: string | undefined;
  if ((await token.allowance(from, parameters.validatorSet)) < parameters.amount) {
    approvalTransactionHash = (await sendAndWait("approve", () => token.approve(parameters.validatorSet, parameters.amount))).hash;
  }
  const receipt = await sendAndWait("stake", () => validatorSet.stakeFor(validator, parameters.amount));
  let effectiveBlock: bigint | undefined;
  try {
    const added = findEvent(receipt, parameters.validatorSet, validatorSet.interface, "ValidatorAdded");
    if ((added.args.validator as string).toLowerCase() === validator.toLowerCase()) effectiveBlock = added.args.effectiveBlock as bigint;
  } catch {
    effectiveBlock = undefined; // staked without entering the set
  }
  const v = await validatorSet.getValidator(validator);
  const { minStake } = await validatorSet.params();
  return {
    validator,
    stake: v.stake,
    minStake,
    listed: v.listed,
    approved: v.approved,
    ...(effectiveBlock === undefined ? {} : { effectiveBlock }),
    ...(approvalTransactionHash === undefined ? {} : { approvalTransactionHash }),
    transactionHash: receipt.hash,
  };
}
