import type { Signer } from "ethers";
import { connectContract } from "../contracts";
import { explainRevert } from "../../lib/revert";
import { sendAndWait } from "../receipts";

export interface ReportParameters {
  /** The `Slashing` contract. */
  slashing: string;
  offender: string;
  /** The block of the offence. */
  blockNumber: bigint;
  /** A bytes32 reason (e.g. a short text encoded like Solidity's `bytes32("text")`). */
  reason: string;
}

export interface ReportReturnType {
  offenceId: string;
  /** False when the reporter was over its per-epoch quota: the report was not counted and the reporter was penalised. */
  counted: boolean;
  /** Reports of this offence so far. */
  reports: bigint;
  /** Reports that slash the offender. */
  required: bigint;
  /** Whether the offender has been slashed and jailed for it. */
  punished: boolean;
  transactionHash: string;
}

/**
 * A validator reports another for an offence at a block; when more than 2/3 of the validators have reported it, the
 * offender is slashed and jailed. A static call first learns whether the report will count (the contract's
 * per-epoch quota) and surfaces any revert (`SlashingFutureBlock`, `SlashingNotValidator`, …) before sending.
 */
export async function report(reporter: Signer, parameters: ReportParameters): Promise<ReportReturnType> {
  const slashing = connectContract("Slashing", parameters.slashing, reporter);
  const args = [parameters.offender, parameters.blockNumber, parameters.reason] as const;
  const counted = await explainRevert("report", () => slashing.report.staticCall(...args));
  const receipt = await sendAndWait("report", () => slashing.report(...args));
  const offenceId = await slashing.offenceId(...args);
  const offence = await slashing.getOffence(offenceId);
  return { offenceId, counted, reports: offence.reports, required: await slashing.requiredReports(parameters.offender), punished: offence.punished, transactionHash: receipt.hash };
}
