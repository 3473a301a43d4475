/** The Slashing contract as consensus uses it: the downtime system calls of a block and double-sign evidence. */
import type { PrefixedHexString as Hex } from "@ethereumjs/util";
import { Interface } from "ethers";
import type { SystemCall } from "../execution/executor";

export const SLASHING_ABI = new Interface([
  "function recordMissedProposal(address validator)",
  "function submitDoubleSignEvidence(uint256 blockNumber, bytes32 hashA, bytes signatureA, bytes32 hashB, bytes signatureB) returns (address validator, uint256 slashed)",
  "function isDoubleSignPunished(address validator, uint256 blockNumber) view returns (bool)",
]);

/** The proposer of round `round` at `height`: validators[(height + round) % n]. */
export function proposerAt(validators: readonly Hex[], height: bigint, round: number): Hex {
  return validators[Number((height + BigInt(round)) % BigInt(validators.length))]!;
}

/**
 * The system calls a block proposed in `round` carries: `recordMissedProposal(v)` for the proposer of every earlier
 * round (each validator once), executed first by the proposer and every replayer alike.
 */
export function missedProposalCalls(slashing: Hex, validators: readonly Hex[], height: bigint, round: number): SystemCall[] {
  const calls: SystemCall[] = [];
  const missed = new Set<string>();
  for (let i = 0; i < Math.min(round, validators.length - 1); i++) {
    const v = proposerAt(validators, height, i);
    if (missed.has(v)) continue;
    missed.add(v);
    calls.push({ to: slashing, data: SLASHING_ABI.encodeFunctionData("recordMissedProposal", [v]) });
  }
  return calls;
}
