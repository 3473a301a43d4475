import type { Signer } from "ethers";
import { connectContract } from "../contracts";
import { sendAndWait } from "../receipts";
import { DEX_HINTS, statusError } from "./common";

export type ListApproveParameters = {
  /** The `DexListingRegistry`. */
  registry: string;
  token: string;
} & ({ reject?: false } | { reject: true; /** Recorded with the rejection (default ""). */ reason?: string });

export interface ListApproveReturnType {
  status: "Listed" | "Rejected";
  /** The request's report hash and issuer, as the registry records them. */
  reportHash: string;
  issuer: string;
  transactionHash: string;
}

/**
 * A reviewer (`REVIEWER_ROLE`, appointed by governance) approves — or with `reject` rejects — a pending listing
 * request; the registry checks the role, the status and conflicts of interest. A token that is not pending is an
 * {@link OperationError} `OP_PRECONDITION` naming its status.
 */
export async function listApprove(reviewer: Signer, parameters: ListApproveParameters): Promise<ListApproveReturnType> {
  const registry = connectContract("DexListingRegistry", parameters.registry, reviewer);
  const { token } = parameters;
  let transactionHash: string;
  try {
    const receipt = parameters.reject
      ? await sendAndWait("dex:list-approve --reject", () => registry.rejectListing(token, parameters.reason ?? ""), DEX_HINTS)
      : await sendAndWait("dex:list-approve", () => registry.approveListing(token), DEX_HINTS);
    transactionHash = receipt.hash;
  } catch (e) {
    throw statusError(
      e,
      (status) => `${token} is ${status}, not pending: only a pending request can be decided${status === "None" ? " (its issuer requests with dex:list-request)" : ""}`,
    );
  }
  const listing = await registry.getListing(token);
  return { status: parameters.reject ? "Rejected" : "Listed", reportHash: listing.reportHash, issuer: listing.issuer, transactionHash };
}
