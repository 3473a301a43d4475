import type { Signer } from "ethers";
import { explainRevert } from "../../lib/revert";
import { OperationError } from "../errors";
import { findEvent, sendAndWait } from "../receipts";
import { abuseReasonValue, type AbuseReason } from "./abuse";
import { gasPolicyAt, providerOf } from "./common";
import { GAS_POLICY_HINTS } from "./hints";

export interface ReportAbuserParameters {
  /** The `GasPolicy`. */
  policy: string;
  account: string;
  /** The window of the abuse (default: the current one; the policy accepts the current or the previous one). */
  window?: bigint;
  reason: AbuseReason;
}

export interface ReportAbuserReturnType {
  account: string;
  reporter: string;
  window: bigint;
  /** Reports of the account for the window so far, and how many blacklist it. */
  reports: bigint;
  needed: bigint;
  /** Set when this report blacklisted the account: until when (unix seconds). */
  blacklistedUntil?: bigint;
  transactionHash: string;
}

/**
 * A validator reports an account as an abuser of the gas-free chain for a window (`reportAbuser`); when more than
 * 2/3 of the validators in force reported it, the policy blacklists it for `reportBlacklistSeconds`. A static call
 * first surfaces the policy's refusal — `GasPolicyNotValidator`, `GasPolicyDuplicateReport`,
 * `GasPolicyReportWindowInvalid`, `GasPolicyAlreadyBlacklisted` — as a `ContractCallError` naming it, before sending.
 */
export async function reportAbuser(reporter: Signer, parameters: ReportAbuserParameters): Promise<ReportAbuserReturnType> {
  const reason = abuseReasonValue(parameters.reason);
  if (reason < 0) throw new OperationError("OP_INVALID_PARAMETER", `unknown abuse reason "${parameters.reason}"`);
  const policy = await gasPolicyAt(parameters.policy, reporter, providerOf(reporter));
  const window = parameters.window ?? (await policy.currentWindow());
  const args = [parameters.account, window, reason] as const;
  await explainRevert("reportAbuser", () => policy.reportAbuser.staticCall(...args), GAS_POLICY_HINTS);
  const receipt = await sendAndWait("reportAbuser", () => policy.reportAbuser(...args), GAS_POLICY_HINTS);
  const reported = findEvent(receipt, parameters.policy, policy.interface, "AbuserReported");
  const result: ReportAbuserReturnType = {
    account: parameters.account,
    reporter: await reporter.getAddress(),
    window,
    reports: reported.args.reports as bigint,
    needed: reported.args.needed as bigint,
    transactionHash: receipt.hash,
  };
  try {
    result.blacklistedUntil = findEvent(receipt, parameters.policy, policy.interface, "Blacklisted").args.until as bigint;
  } catch {
    // not blacklisted (yet): fewer reports than needed
  }
  return result;
}
