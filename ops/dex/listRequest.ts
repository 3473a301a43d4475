import type { Signer } from "ethers";
import { connectContract } from "../contracts";
import { sendAndWait } from "../receipts";
import { DEX_HINTS, statusError } from "./common";

export interface ListRequestParameters {
  /** The `DexListingRegistry`. */
  registry: string;
  token: string;
  /** Hash of the audit report (e.g. keccak256 of the scanner's JSON report). */
  reportHash: string;
  /** The auditor who wrote the report. */
  auditor: string;
  /** Where reviewers can read the report (default ""). */
  reportUri?: string;
}

export interface ListRequestReturnType {
  transactionHash: string;
}

/**
 * The token's issuer asks for a DEX listing with evidence of review. The registry checks everything (a contract, a
 * report hash, the issuer, the text's length, the status); a token already pending or listed is an
 * {@link OperationError} `OP_PRECONDITION` naming its status.
 */
export async function listRequest(issuer: Signer, parameters: ListRequestParameters): Promise<ListRequestReturnType> {
  const registry = connectContract("DexListingRegistry", parameters.registry, issuer);
  try {
    const receipt = await sendAndWait(
      "dex:list-request",
      () => registry.requestListing(parameters.token, parameters.reportHash, parameters.auditor, parameters.reportUri ?? ""),
      DEX_HINTS,
    );
    return { transactionHash: receipt.hash };
  } catch (e) {
    throw statusError(e, (status) => `${parameters.token} is already ${status}; nothing to request`);
  }
}
