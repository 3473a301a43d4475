import type { Signer } from "ethers";
import { connectContract } from "../contracts";
import { findEvent, sendAndWait } from "../receipts";

export interface SwapVoteParameters {
  /** The `ProductChainRegistry` on the main chain. */
  registry: string;
  chainId: bigint;
  /** The node owner to replace. */
  oldOwner: string;
  newOwner: string;
}

export interface SwapVoteReturnType {
  /** Votes for this swap so far, this one included. */
  votes: bigint;
  /** Votes that apply it (`SWAP_MAJORITY`). */
  needed: bigint;
  /** Whether this vote applied the swap. */
  swapped: boolean;
  transactionHash: string;
}

/**
 * A node owner of a product chain votes to replace one of its owners; the majority's vote (3 of 4) applies the
 * swap. The registry checks the voter, the swap and double votes (`ChainRegistryNotNodeOwner`,
 * `ChainRegistryInvalidSwap`, `ChainRegistryAlreadyVoted`); a revert names its custom error.
 */
export async function swapVote(owner: Signer, parameters: SwapVoteParameters): Promise<SwapVoteReturnType> {
  const registry = connectContract("ProductChainRegistry", parameters.registry, owner);
  const receipt = await sendAndWait("voteSwap", () => registry.voteSwap(parameters.chainId, parameters.oldOwner, parameters.newOwner));
  const voted = findEvent(receipt, parameters.registry, registry.interface, "SwapVoted");
  let swapped = true;
  try {
    findEvent(receipt, parameters.registry, registry.interface, "NodeOwnerSwapped");
  } catch {
    swapped = false;
  }
  return { votes: voted.args.votes as bigint, needed: await registry.SWAP_MAJORITY(), swapped, transactionHash: receipt.hash };
}
