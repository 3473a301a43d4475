/**
 * Passing a proposal on the devnet's main chain: the operation `ops/governance/passProposal` (validator 1 proposes,
 * every validator votes for, queue, execute; resumes a proposal already under way), polling the devnet's chain.
 */
import type { JsonRpcProvider, Signer } from "ethers";
import { pollingClock } from "../ops/clock";
import { passProposal as passProposalOp } from "../ops/governance/passProposal";

export interface PassProposalOptions {
  provider: JsonRpcProvider;
  governor: string;
  /** Validators' signers (connected); the first proposes. */
  validators: Signer[];
  targets: string[];
  calldatas: string[];
  description: string;
  log?: (line: string) => void;
  /** Give up waiting for one step (the vote to open, its end, the timelock) after this long (default 120 s). */
  timeoutMs?: number;
}

/** Passes the proposal (see the module comment); returns its id. */
export async function passProposal(o: PassProposalOptions): Promise<bigint> {
  const { provider, validators, timeoutMs, ...parameters } = o;
  const { proposalId } = await passProposalOp({ provider, validators }, { ...parameters, clock: pollingClock({ timeoutMs: timeoutMs ?? 120_000 }) });
  return proposalId;
}
