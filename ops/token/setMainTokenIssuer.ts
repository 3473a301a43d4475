import { getAddress, type Signer } from "ethers";
import { connectContract } from "../contracts";
import { requireCode } from "../deployment";
import { OperationError } from "../errors";
import { sendAndWait } from "../receipts";

export interface SetMainTokenIssuerParameters {
  /** The `ProductTokenFactory` on the product chain. */
  factory: string;
  mainToken: string;
  /** The CP that issued `mainToken` on the main chain. */
  issuer: string;
}

export interface SetMainTokenIssuerReturnType {
  /** False when the factory already recorded this issuer (nothing was sent). */
  changed: boolean;
  transactionHash?: string;
}

/**
 * Records on a product chain's `ProductTokenFactory` which CP issued `mainToken`, sent directly by an account that
 * holds `GOVERNANCE_ROLE` there — a product chain governed by its deployer (the devnet's, a test's). Where the
 * timelock governs, this is a proposal instead (`gov:propose --action set-main-token-issuer`). Does nothing when the
 * issuer is recorded already.
 */
export async function setMainTokenIssuer(admin: Signer, parameters: SetMainTokenIssuerParameters): Promise<SetMainTokenIssuerReturnType> {
  if (!admin.provider) throw new OperationError("OP_INVALID_PARAMETER", "the admin signer has no provider");
  await requireCode(admin.provider, parameters.factory, "ProductTokenFactory");
  const factory = connectContract("ProductTokenFactory", parameters.factory, admin);
  if (getAddress(await factory.mainTokenIssuer(parameters.mainToken)) === getAddress(parameters.issuer)) return { changed: false };
  const receipt = await sendAndWait("setMainTokenIssuer", () => factory.setMainTokenIssuer(parameters.mainToken, parameters.issuer), {
    AccessControlUnauthorizedAccount: "only the factory's governance records issuers; where the timelock governs, propose it (gov:propose --action set-main-token-issuer)",
  });
  return { changed: true, transactionHash: receipt.hash };
}
