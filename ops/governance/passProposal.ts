import type { Provider, Signer } from "ethers";
import { pollingClock, type ChainClock } from "../clock";
import { OperationError } from "../errors";
import { execute } from "./execute";
import { governorAt, proposalIdOf, proposalState, withValues, type ProposalCalls, type ProposalState } from "./proposal";
import { propose } from "./propose";
import { queue } from "./queue";
import { vote } from "./vote";

export interface PassProposalClients {
  /** Reads blocks (and waits for them through the clock). */
  provider: Provider;
  /** The validators that vote for; the first proposes, queues and executes. */
  validators: Signer[];
}

export interface PassProposalParameters extends ProposalCalls {
  /** The `LuniverseGovernor`. */
  governor: string;
  /**
   * Who votes: "all" (default) — every given validator with a vote at the snapshot that has not voted yet; "quorum" —
   * the given validators in order, only until the votes for reach the governor's quorum.
   */
  votes?: "all" | "quorum";
  /** Where to stop (default "Executed"): "Succeeded" — voted and past the deadline, "Queued" — in the timelock. */
  until?: "Succeeded" | "Queued" | "Executed";
  /** How to wait for the vote to open, its deadline and the timelock (default {@link pollingClock}). */
  clock?: ChainClock;
  /** Progress lines. */
  log?: (line: string) => void;
}

export interface PassProposalReturnType {
  proposalId: bigint;
  /** The state reached: `until`, or "Executed" when it was already executed. */
  state: ProposalState;
}

const ORDER: ProposalState[] = ["None", "Pending", "Active", "Succeeded", "Queued", "Executed"];

/**
 * The whole lifecycle of a proposal: propose → wait for the vote to open → the validators vote for → wait for the
 * deadline → queue → wait for the timelock → execute. Resumable: the same calls and description are the same
 * proposal, and every step already done (proposed, voted, queued, executed) is skipped. A proposal that was
 * Canceled, Defeated or Expired is an `OP_PRECONDITION`; an empty validator list an `OP_INVALID_PARAMETER`.
 */
export async function passProposal(clients: PassProposalClients, parameters: PassProposalParameters): Promise<PassProposalReturnType> {
  const { provider, validators } = clients;
  const first = validators[0];
  if (!first) throw new OperationError("OP_INVALID_PARAMETER", "passProposal needs at least one validator to propose and vote");
  const calls = { governor: parameters.governor, ...withValues(parameters) };
  const clock = parameters.clock ?? pollingClock();
  const log = parameters.log ?? (() => undefined);
  const until = parameters.until ?? "Executed";
  const governor = governorAt(parameters.governor, first);
  const proposalId = await proposalIdOf(governor, calls);
  const label = `proposal "${calls.description}"`;
  const done = (s: ProposalState): boolean => ORDER.indexOf(s) >= ORDER.indexOf(until);

  let state = await proposalState(governor, proposalId);
  if (state === "None") {
    await propose(first, calls);
    log(`governance: proposed "${calls.description}"`);
    state = await proposalState(governor, proposalId);
  }
  if (state === "Pending") {
    await clock.waitForBlock(provider, (await governor.proposalSnapshot(proposalId)) + 1n, `the vote on ${label} to open`);
    state = await proposalState(governor, proposalId);
  }
  if (state === "Active") {
    const voted = await castVotes(clients, calls.governor, proposalId, parameters.votes ?? "all", log);
    log(`governance: ${voted} validator(s) voted for`);
    await clock.waitForBlock(provider, (await governor.proposalDeadline(proposalId)) + 1n, `the end of the vote on ${label}`);
    state = await proposalState(governor, proposalId);
  }
  if (state === "Succeeded" && !done(state)) {
    await queue(first, calls);
    state = await proposalState(governor, proposalId);
  }
  if (state === "Queued" && !done(state)) {
    await clock.waitForTimestamp(provider, await governor.proposalEta(proposalId), `the timelock delay of ${label}`);
    await execute(first, calls);
    log(`governance: executed "${calls.description}"`);
    state = await proposalState(governor, proposalId);
  }
  if (!ORDER.includes(state) || ORDER.indexOf(state) < ORDER.indexOf("Succeeded")) {
    throw new OperationError("OP_PRECONDITION", `${label} is ${state}`, {
      hint: state === "Defeated" ? "too few validators voted for it; propose it again with another description" : "propose it again with another description",
    });
  }
  return { proposalId, state };
}

/** Votes for with the given validators (see {@link PassProposalParameters.votes}); returns how many voted now. */
async function castVotes(clients: PassProposalClients, governorAddress: string, proposalId: bigint, mode: "all" | "quorum", log: (line: string) => void): Promise<number> {
  const governor = governorAt(governorAddress, clients.validators[0]!);
  const snapshot = await governor.proposalSnapshot(proposalId);
  const quorum = await governor.quorum(snapshot);
  const voters: Signer[] = [];
  let cast = 0;
  for (const v of clients.validators) {
    if (mode === "quorum" && (await governor.proposalVotes(proposalId))[1] >= quorum) break;
    const address = await v.getAddress();
    if (await governor.hasVoted(proposalId, address)) continue;
    if ((await governor.getVotes(address, snapshot)) === 0n) {
      log(`governance: ${address} has no vote on this proposal (not a validator at block ${snapshot})`);
      continue;
    }
    if (mode === "all") voters.push(v);
    else {
      await vote(v, { governor: governorAddress, proposalId, support: "for" });
      cast += 1;
    }
  }
  // every validator at once: on a live chain their votes share a block or two, well inside a short voting period
  await Promise.all(voters.map((v) => vote(v, { governor: governorAddress, proposalId, support: "for" })));
  return cast + voters.length;
}
