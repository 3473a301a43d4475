import type { Signer } from "ethers";
import { findEvent, sendAndWait } from "../receipts";
import { governorAt, withValues, type ProposalCalls } from "./proposal";

export interface ProposeParameters extends ProposalCalls {
  /** The `LuniverseGovernor`. */
  governor: string;
  /** What a revert message calls this action (default "propose"), e.g. the task's name. */
  what?: string;
}

export interface ProposeReturnType {
  proposalId: bigint;
  /** The block whose validator set votes (voting opens after it). */
  snapshot: bigint;
  /** The last block of the vote. */
  deadline: bigint;
  /** Votes for needed (more than 2/3 of the validators in force at the snapshot). */
  quorum: bigint;
  transactionHash: string;
}

/**
 * A validator in force proposes `targets`/`calldatas` (executed through the timelock once passed). The governor
 * checks the proposer (`GovernorInsufficientProposerVotes`) and that the same proposal does not exist yet
 * (`GovernorUnexpectedProposalState`); a revert names its custom error.
 */
export async function propose(proposer: Signer, parameters: ProposeParameters): Promise<ProposeReturnType> {
  const calls = withValues(parameters);
  const governor = governorAt(parameters.governor, proposer);
  const receipt = await sendAndWait(parameters.what ?? "propose", () => governor.propose(calls.targets, calls.values, calls.calldatas, calls.description));
  const event = findEvent(receipt, parameters.governor, governor.interface, "ProposalCreated");
  const proposalId = event.args.proposalId as bigint;
  const snapshot = await governor.proposalSnapshot(proposalId);
  const deadline = await governor.proposalDeadline(proposalId);
  const quorum = await governor.quorum(snapshot);
  return { proposalId, snapshot, deadline, quorum, transactionHash: receipt.hash };
}
