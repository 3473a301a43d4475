import type { Signer } from "ethers";
import { connectContract } from "../contracts";
import { sendAndWait } from "../receipts";
import { ECONOMY_HINTS } from "./hints";

export interface DefineRewardParameters {
  engine: string;
  /** The behaviour's bytes32 id (`encodeBytes32String("daily-login")`). */
  id: string;
  /** Base units paid per occurrence. */
  rewardPerOccurrence: bigint;
  /** Most one user can earn from the behaviour, base units (default 0: no cap). */
  perUserCap?: bigint;
  /** Seconds between two rewards to one user (default 0: none). */
  cooldown?: bigint;
  /** The behaviour's total over its life, set aside from the engine's unallocated funds. */
  budget: bigint;
}

export interface DefineRewardReturnType {
  transactionHash: string;
  /** The engine's unallocated funds afterwards. */
  unallocated: bigint;
}

/** The engine's owner defines (or changes) a target behaviour; the engine checks funds, budget and reward. */
export async function defineReward(owner: Signer, parameters: DefineRewardParameters): Promise<DefineRewardReturnType> {
  const engine = connectContract("RewardEngine", parameters.engine, owner);
  const receipt = await sendAndWait(
    "reward:define",
    () => engine.defineBehaviour(parameters.id, parameters.rewardPerOccurrence, parameters.perUserCap ?? 0n, parameters.cooldown ?? 0n, parameters.budget),
    ECONOMY_HINTS,
  );
  return { transactionHash: receipt.hash, unallocated: await engine.unallocated() };
}
