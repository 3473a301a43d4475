import type { Signer } from "ethers";
import { OperationError } from "../errors";
import { execute } from "./execute";
import { governorAt, requireProposal, type ProposalCalls } from "./proposal";
import { queue } from "./queue";

export interface QueueOrExecuteParameters {
  /** The `LuniverseGovernor`. */
  governor: string;
  proposalId: bigint;
}

export type QueueOrExecuteReturnType =
  | { state: "Queued"; proposalId: bigint; eta: bigint; transactionHash: string }
  | { state: "Executed"; proposalId: bigint; transactionHash: string };

/** The calls and description of proposal `proposalId`, from its `ProposalCreated` event. */
export async function proposalCalls(governorAddress: string, runner: Signer, proposalId: bigint): Promise<Required<ProposalCalls>> {
  const governor = governorAt(governorAddress, runner);
  const events = await governor.queryFilter(governor.filters.ProposalCreated(), 0);
  const created = events.find((e) => e.args.proposalId === proposalId);
  if (!created) throw new OperationError("OP_PRECONDITION", `no proposal ${proposalId} on this chain`, { hint: "check the id gov:propose printed, and the network" });
  return {
    targets: [...created.args.targets],
    values: [...(created.args[3] as bigint[])],
    calldatas: [...created.args.calldatas],
    description: created.args.description,
  };
}

/**
 * The next step of a passed proposal, known by its id: queues it in the timelock when it has Succeeded, executes it
 * when it is Queued and its delay is over (else `OP_PRECONDITION` saying until when). Any other state is an
 * `OP_PRECONDITION` naming it.
 */
export async function queueOrExecute(sender: Signer, parameters: QueueOrExecuteParameters): Promise<QueueOrExecuteReturnType> {
  const governor = governorAt(parameters.governor, sender);
  const state = await requireProposal(governor, parameters.proposalId);
  if (state !== "Succeeded" && state !== "Queued") {
    throw new OperationError("OP_PRECONDITION", `proposal ${parameters.proposalId} is ${state}; only a Succeeded proposal can be queued and a Queued one executed`);
  }
  const calls = { governor: parameters.governor, ...(await proposalCalls(parameters.governor, sender, parameters.proposalId)) };
  if (state === "Succeeded") return { state: "Queued", ...(await queue(sender, calls)) };
  return { state: "Executed", ...(await execute(sender, calls)) };
}
