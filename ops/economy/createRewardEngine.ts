import type { Signer } from "ethers";
import { connectContract } from "../contracts";
import { findEvent, sendAndWait } from "../receipts";
import { ECONOMY_HINTS } from "./hints";

export interface CreateRewardEngineParameters {
  /** The `RewardEngineFactory`. */
  factory: string;
  /** The ERC-20 the engine pays. */
  token: string;
}

export interface CreateRewardEngineReturnType {
  /** The new engine (an EIP-1167 clone owned by the sender). */
  engine: string;
  owner: string;
  transactionHash: string;
}

/** Creates a DApp's reward engine, paying `token`, owned by the sender. */
export async function createRewardEngine(owner: Signer, parameters: CreateRewardEngineParameters): Promise<CreateRewardEngineReturnType> {
  const factory = connectContract("RewardEngineFactory", parameters.factory, owner);
  const receipt = await sendAndWait("reward:create", () => factory.createEngine(parameters.token), ECONOMY_HINTS);
  const event = findEvent(receipt, parameters.factory, factory.interface, "RewardEngineCreated");
  return { engine: event.args.engine as string, owner: event.args.owner as string, transactionHash: receipt.hash };
}
