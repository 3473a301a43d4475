import type { Signer } from "ethers";
import { connectContract } from "../contracts";
import { findEvent, sendAndWait } from "../receipts";
import { ECONOMY_HINTS } from "./hints";

export interface ReportRewardParameters {
  engine: string;
  /** The behaviour's bytes32 id. */
  id: string;
  /** The rewarded user. */
  user: string;
  /** The occurrence's bytes32 id: pays once in the engine's life. */
  occurrence: string;
}

export interface ReportRewardReturnType {
  /** Base units paid to the user. */
  amount: bigint;
  transactionHash: string;
}

/** A reporter attests one occurrence of a behaviour; the engine pays the reward (or names why not). */
export async function reportReward(reporter: Signer, parameters: ReportRewardParameters): Promise<ReportRewardReturnType> {
  const engine = connectContract("RewardEngine", parameters.engine, reporter);
  const receipt = await sendAndWait("reward:report", () => engine.report(parameters.id, parameters.user, parameters.occurrence), ECONOMY_HINTS);
  const event = findEvent(receipt, parameters.engine, engine.interface, "RewardPaid");
  return { amount: event.args.amount as bigint, transactionHash: receipt.hash };
}
