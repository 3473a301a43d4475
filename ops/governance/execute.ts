import type { Signer } from "ethers";
import { decodeCustomError } from "../../lib/revert";
import { OperationError } from "../errors";
import { sendAndWait } from "../receipts";
import { descriptionHash, governorAt, proposalIdOf, withValues, type ProposalCalls } from "./proposal";

export interface ExecuteParameters extends ProposalCalls {
  /** The `LuniverseGovernor`. */
  governor: string;
}

export interface ExecuteReturnType {
  proposalId: bigint;
  transactionHash: string;
}

/**
 * Anyone executes a queued proposal once its timelock delay is over. A static call first asks the timelock: while
 * the delay runs (`TimelockUnexpectedOperationState`) the error (`OP_PRECONDITION`) says until when; any other revert
 * names its custom error.
 */
export async function execute(sender: Signer, parameters: ExecuteParameters): Promise<ExecuteReturnType> {
  const calls = withValues(parameters);
  const governor = governorAt(parameters.governor, sender);
  const proposalId = await proposalIdOf(governor, calls);
  const args = [calls.targets, calls.values, calls.calldatas, descriptionHash(calls.description)] as const;
  try {
    await governor.execute.staticCall(...args);
  } catch (e) {
    if (decodeCustomError(e)?.name === "TimelockUnexpectedOperationState") {
      const eta = await governor.proposalEta(proposalId);
      const now = BigInt((await sender.provider?.getBlock("latest"))?.timestamp ?? 0);
      if (eta > now) {
        throw new OperationError("OP_PRECONDITION", `proposal ${proposalId} is queued until ${new Date(Number(eta) * 1000).toISOString()} (${eta - now} s more)`, {
          hint: "execute it once the timelock delay is over",
        });
      }
    }
    // anything else: the transaction below reverts the same way and names the error
  }
  const receipt = await sendAndWait("execute", () => governor.execute(...args));
  return { proposalId, transactionHash: receipt.hash };
}
