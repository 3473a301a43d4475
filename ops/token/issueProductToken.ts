import { ZeroAddress, getAddress, type Signer } from "ethers";
import { connectContract } from "../contracts";
import { requireCode } from "../deployment";
import { OperationError } from "../errors";
import { findEvent, sendAndWait } from "../receipts";
import type { SignedProductPermission } from "./permission";
import { PERMISSION_HINTS } from "./permitProductToken";

export interface IssueProductTokenParameters {
  /** The CP's signed permission (`permitProductToken`, or `permissionFromJson` of its file). */
  permit: SignedProductPermission;
  name: string;
  symbol: string;
  /** Decimals (default 18). */
  decimals?: number;
  /**
   * The `ProductTokenFactory` the caller expects (its deployment's); a permission for another factory is an
   * `OP_INVALID_PARAMETER`. Default: the permission's.
   */
  factory?: string;
}

export interface IssueProductTokenReturnType {
  /** The new product token (an EIP-1167 clone). */
  token: string;
  mainToken: string;
  ratio: bigint;
  /** Its only minter: the product bridge the factory names. */
  minter: string;
  transactionHash: string;
}

/**
 * The product developer issues a product token with a CP's permission through the `ProductTokenFactory` on the
 * product chain. Prerequisite, read from the factory: governance has recorded the main token's CP there
 * (`setMainTokenIssuer`); without it the operation stops with an `OP_PRECONDITION` saying how. Everything else
 * (chain, expiry, developer, signer, ratio, reuse) the factory checks; a revert names its custom error.
 */
export async function issueProductToken(pd: Signer, parameters: IssueProductTokenParameters): Promise<IssueProductTokenReturnType> {
  const { permit } = parameters;
  if (parameters.factory !== undefined && getAddress(parameters.factory) !== getAddress(permit.factory)) {
    throw new OperationError("OP_INVALID_PARAMETER", `the permission is for factory ${permit.factory}, but the ProductTokenFactory here is ${parameters.factory}`, {
      hint: "ask the CP for a permission for this chain's factory (token:permit-product --factory)",
    });
  }
  if (!pd.provider) throw new OperationError("OP_INVALID_PARAMETER", "the product developer's signer has no provider");
  await requireCode(pd.provider, permit.factory, "ProductTokenFactory");
  const factory = connectContract("ProductTokenFactory", permit.factory, pd);
  if ((await factory.mainTokenIssuer(permit.permission.mainToken)) === ZeroAddress) {
    throw new OperationError("OP_PRECONDITION", `the ProductTokenFactory at ${permit.factory} has no CP recorded for main token ${permit.permission.mainToken}`, {
      hint: `governance records it first: npx hardhat gov:propose --action set-main-token-issuer --address ${permit.permission.mainToken} --new-address <cp>`,
    });
  }
  const receipt = await sendAndWait(
    "issueProductToken",
    () => factory.issueProductToken(permit.permission, permit.signature, { name: parameters.name, symbol: parameters.symbol, decimals: parameters.decimals ?? 18 }),
    PERMISSION_HINTS,
  );
  const event = findEvent(receipt, permit.factory, factory.interface, "ProductTokenIssued");
  return {
    token: event.args.token as string,
    mainToken: event.args.mainToken as string,
    ratio: event.args.ratio as bigint,
    minter: await factory.bridge(),
    transactionHash: receipt.hash,
  };
}
