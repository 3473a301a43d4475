import type { Signer } from "ethers";
import { sendAndWait } from "../receipts";
import { governorAt, proposalState, type ProposalState } from "./proposal";

/** How a vote counts: `IGovernor`'s `support` (0 against, 1 for, 2 abstain). */
export const VOTE_SUPPORT = { against: 0, for: 1, abstain: 2 } as const;
export type VoteSupport = keyof typeof VOTE_SUPPORT;

export interface VoteParameters {
  /** The `LuniverseGovernor`. */
  governor: string;
  proposalId: bigint;
  /** Default "for". */
  support?: VoteSupport;
  /** Recorded with the vote (default none). */
  reason?: string;
}

export interface VoteReturnType {
  /** The tally after the vote. */
  tally: { against: bigint; for: bigint; abstain: bigint };
  /** Votes for needed. */
  quorum: bigint;
  state: ProposalState;
  transactionHash: string;
}

/**
 * A validator votes on an active proposal. The governor checks that the proposal is open
 * (`GovernorUnexpectedProposalState`), that the voter was a validator at the snapshot (`LuniverseGovernorNotValidator`)
 * and that it has not voted yet (`GovernorAlreadyCastVote`); a revert names its custom error.
 */
export async function vote(voter: Signer, parameters: VoteParameters): Promise<VoteReturnType> {
  const governor = governorAt(parameters.governor, voter);
  const support = VOTE_SUPPORT[parameters.support ?? "for"];
  const receipt = await sendAndWait("vote", () => governor.castVoteWithReason(parameters.proposalId, support, parameters.reason ?? ""));
  const [against, forVotes, abstain] = await governor.proposalVotes(parameters.proposalId);
  const quorum = await governor.quorum(await governor.proposalSnapshot(parameters.proposalId));
  return { tally: { against, for: forVotes, abstain }, quorum, state: await proposalState(governor, parameters.proposalId), transactionHash: receipt.hash };
}
