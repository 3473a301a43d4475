/**
 * What the governance operations share: a proposal's calls, its id, and its state as the `LuniverseGovernor` reports
 * it (OpenZeppelin's `IGovernor.ProposalState`, plus "None" for an id the governor has never seen).
 */
import { id as keccakText, type ContractRunner } from "ethers";
import { connectContract, type ContractOf } from "../contracts";
import { OperationError } from "../errors";

/** Governor proposal states, in the order of `IGovernor.ProposalState`. */
export const PROPOSAL_STATES = ["Pending", "Active", "Canceled", "Defeated", "Succeeded", "Queued", "Expired", "Executed"] as const;

/** A proposal's state, or "None" when no proposal has this id. */
export type ProposalState = (typeof PROPOSAL_STATES)[number] | "None";

/** What a proposal executes through the timelock (the arguments of `propose` / `queue` / `execute`). */
export interface ProposalCalls {
  targets: string[];
  /** Native value sent with each call (default: 0 for every target). */
  values?: bigint[];
  calldatas: string[];
  description: string;
}

/** The governor's binding. */
export function governorAt(address: string, runner: ContractRunner): ContractOf<"LuniverseGovernor"> {
  return connectContract("LuniverseGovernor", address, runner);
}

/** `calls` with its values filled in (0 for every target when not given). */
export function withValues(calls: ProposalCalls): Required<ProposalCalls> {
  return { ...calls, values: calls.values ?? calls.targets.map(() => 0n) };
}

/** `keccak256(bytes(description))`, as the governor hashes descriptions. */
export function descriptionHash(description: string): string {
  return keccakText(description);
}

/** The id of the proposal `calls` (the governor's `hashProposal`): the same calls and description, the same id. */
export async function proposalIdOf(governor: ContractOf<"LuniverseGovernor">, calls: ProposalCalls): Promise<bigint> {
  const c = withValues(calls);
  return governor.hashProposal(c.targets, c.values, c.calldatas, descriptionHash(c.description));
}

/** The proposal's state; "None" for an id the governor has never seen (its snapshot is 0). */
export async function proposalState(governor: ContractOf<"LuniverseGovernor">, proposalId: bigint): Promise<ProposalState> {
  if ((await governor.proposalSnapshot(proposalId)) === 0n) return "None";
  return PROPOSAL_STATES[Number(await governor.state(proposalId))]!;
}

/** Throws unless the proposal exists: `OP_PRECONDITION` "no proposal <id>". */
export async function requireProposal(governor: ContractOf<"LuniverseGovernor">, proposalId: bigint): Promise<Exclude<ProposalState, "None">> {
  const state = await proposalState(governor, proposalId);
  if (state === "None") {
    throw new OperationError("OP_PRECONDITION", `no proposal ${proposalId} on this chain`, { hint: "check the id gov:propose printed, and the network" });
  }
  return state;
}
