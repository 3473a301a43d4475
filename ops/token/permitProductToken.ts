import type { Provider, Signer } from "ethers";
import { explainRevert } from "../../lib/revert";
import { connectContract } from "../contracts";
import { requireCode } from "../deployment";
import { OperationError } from "../errors";
import { signProductPermission, type SignedProductPermission } from "./permission";

export interface PermitProductTokenClients {
  /** The consortium partner: the main token's issuer, who signs. */
  cp: Signer;
  /**
   * The product chain, to check the permission against its factory before handing it out (and to date the expiry by
   * its clock). Without it the permission is signed offline: `productChainId` and `expiry` are then required and
   * nothing is checked.
   */
  product?: Provider;
}

export interface PermitProductTokenParameters {
  /** The `ProductTokenFactory` on the product chain. */
  factory: string;
  mainToken: string;
  /** Product units per main unit. */
  ratio: bigint;
  /** The product developer allowed to issue. */
  productDeveloper: string;
  /** The product chain's id (default: the `product` provider's). */
  productChainId?: bigint;
  /** Unix time (seconds) after which the permission is void. Give this or `expiresIn`. */
  expiry?: bigint;
  /** Seconds from the product chain's latest block (from now when signing offline). */
  expiresIn?: bigint;
}

export type PermitProductTokenReturnType = SignedProductPermission;

/** Token details for the factory's check of a permission (a static call: nothing is issued). */
const PROBE_TOKEN = { name: "permission check", symbol: "CHECK", decimals: 18 };

/** Hints for the factory's refusals of a permission, in the CP's terms. */
export const PERMISSION_HINTS: Record<string, string> = {
  ProductTokenFactoryUnknownMainToken: "governance must first record the main token's CP on this chain (gov:propose --action set-main-token-issuer)",
  ProductTokenFactoryInvalidSigner: "the permission must be signed by the CP that governance recorded as the main token's issuer (--from)",
  ProductTokenFactoryInvalidRatio: "the ratio must be between 1 and the factory's MAX_RATIO",
  ProductTokenFactoryPermissionExpired: "ask the CP for a new permission (token:permit-product)",
  ProductTokenFactoryNotPermittedDeveloper: "send from the product developer named in the permission (--from)",
  ProductTokenFactoryWrongChain: "the permission names another product chain",
};

/**
 * The CP signs the EIP-712 permission that lets a product developer issue a product token for the CP's main token
 * at `ratio` (the domain is the product chain's `ProductTokenFactory`). With the product chain at hand, the factory
 * itself checks the signed permission first — a static call of `issueProductToken` as the PD — so a permission the
 * factory would refuse (another CP's main token, a ratio above its `MAX_RATIO`, no issuer recorded yet) is a
 * `ContractCallError` naming the factory's error, not a file that fails later.
 */
export async function permitProductToken(clients: PermitProductTokenClients, parameters: PermitProductTokenParameters): Promise<PermitProductTokenReturnType> {
  const { cp, product } = clients;
  if ((parameters.expiry === undefined) === (parameters.expiresIn === undefined)) {
    throw new OperationError("OP_INVALID_PARAMETER", "permitProductToken needs exactly one of expiry and expiresIn");
  }
  let productChainId = parameters.productChainId;
  let now = BigInt(Math.floor(Date.now() / 1000));
  if (product) {
    const chainId = (await product.getNetwork()).chainId;
    if (productChainId !== undefined && productChainId !== chainId) {
      throw new OperationError("OP_INVALID_PARAMETER", `the permission is for product chain ${productChainId}, but the product provider is chain ${chainId}`, {
        hint: "connect to the product chain, or sign offline without it",
      });
    }
    productChainId = chainId;
    await requireCode(product, parameters.factory, "ProductTokenFactory");
    const latest = await product.getBlock("latest");
    if (latest) now = BigInt(latest.timestamp);
  }
  if (productChainId === undefined) {
    throw new OperationError("OP_INVALID_PARAMETER", "the product chain id is required to sign a permission offline", { hint: "pass productChainId, or the product chain's provider" });
  }
  const permission = {
    productChainId,
    mainToken: parameters.mainToken,
    ratio: parameters.ratio,
    productDeveloper: parameters.productDeveloper,
    expiry: parameters.expiry ?? now + parameters.expiresIn!,
  };
  const signature = await signProductPermission(cp, parameters.factory, permission);
  if (product) {
    const factory = connectContract("ProductTokenFactory", parameters.factory, product);
    await explainRevert(
      "the ProductTokenFactory's check of the permission",
      () => factory.issueProductToken.staticCall(permission, signature, PROBE_TOKEN, { from: permission.productDeveloper }),
      PERMISSION_HINTS,
    );
  }
  return { factory: parameters.factory, permission, signature };
}
