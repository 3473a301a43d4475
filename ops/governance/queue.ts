import type { Signer } from "ethers";
import { sendAndWait } from "../receipts";
import { descriptionHash, governorAt, proposalIdOf, withValues, type ProposalCalls } from "./proposal";

export interface QueueParameters extends ProposalCalls {
  /** The `LuniverseGovernor`. */
  governor: string;
}

export interface QueueReturnType {
  proposalId: bigint;
  /** When the timelock lets it execute (seconds since the epoch). */
  eta: bigint;
  transactionHash: string;
}

/**
 * Anyone queues a passed proposal in the timelock. The governor checks that it succeeded
 * (`GovernorUnexpectedProposalState`); a revert names its custom error.
 */
export async function queue(sender: Signer, parameters: QueueParameters): Promise<QueueReturnType> {
  const calls = withValues(parameters);
  const governor = governorAt(parameters.governor, sender);
  const receipt = await sendAndWait("queue", () => governor.queue(calls.targets, calls.values, calls.calldatas, descriptionHash(calls.description)));
  const proposalId = await proposalIdOf(governor, calls);
  return { proposalId, eta: await governor.proposalEta(proposalId), transactionHash: receipt.hash };
}
