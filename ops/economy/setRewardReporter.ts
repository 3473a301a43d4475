import type { Signer } from "ethers";
import { connectContract } from "../contracts";
import { sendAndWait } from "../receipts";
import { ECONOMY_HINTS } from "./hints";

export interface SetRewardReporterParameters {
  engine: string;
  /** A key of the DApp's backend. */
  reporter: string;
  /** true: may report; false: no longer. */
  authorised: boolean;
}

export interface SetRewardReporterReturnType {
  transactionHash: string;
}

/** The engine's owner authorises (or removes) a reporter key. */
export async function setRewardReporter(owner: Signer, parameters: SetRewardReporterParameters): Promise<SetRewardReporterReturnType> {
  const engine = connectContract("RewardEngine", parameters.engine, owner);
  const receipt = await sendAndWait("reward:reporter", () => engine.setReporter(parameters.reporter, parameters.authorised), ECONOMY_HINTS);
  return { transactionHash: receipt.hash };
}
