/**
 * The consortium partner's EIP-712 permission for a product token (what `ProductTokenFactory.issueProductToken`
 * checks): its type, domain and signature, and the JSON form that `token:permit-product` writes and
 * `token:issue-product` reads.
 */
import { getAddress, isAddress, type Signer, type TypedDataDomain, type TypedDataField } from "ethers";
import { OperationError } from "../errors";

/** EIP-712 type of a CP's product-token permission (as `ProductTokenFactory.PERMISSION_TYPEHASH`). */
export const PERMISSION_TYPES: Record<string, TypedDataField[]> = {
  ProductTokenPermission: [
    { name: "productChainId", type: "uint256" },
    { name: "mainToken", type: "address" },
    { name: "ratio", type: "uint256" },
    { name: "productDeveloper", type: "address" },
    { name: "expiry", type: "uint256" },
  ],
};

/** What a CP permits: a PD may issue a product token for `mainToken` at `ratio` on `productChainId` until `expiry`. */
export interface ProductTokenPermission {
  productChainId: bigint;
  mainToken: string;
  ratio: bigint;
  productDeveloper: string;
  expiry: bigint;
}

/** A permission with the factory it is for and the CP's signature: what the PD presents. */
export interface SignedProductPermission {
  /** The `ProductTokenFactory` (the EIP-712 verifying contract) on the product chain. */
  factory: string;
  permission: ProductTokenPermission;
  /** The CP's EIP-712 signature (eth_signTypedData_v4). */
  signature: string;
}

/** The JSON form of a {@link SignedProductPermission} (numbers as decimal strings). */
export interface PermissionJson {
  factory: string;
  permission: { productChainId: string; mainToken: string; ratio: string; productDeveloper: string; expiry: string };
  signature: string;
}

/** The EIP-712 domain of the `ProductTokenFactory` at `factory` on `chainId`. */
export function permissionDomain(chainId: bigint, factory: string): TypedDataDomain {
  return { name: "LuniverseProductTokenFactory", version: "1", chainId, verifyingContract: factory };
}

/** Signs `permission` (eth_signTypedData_v4) for the factory at `factory` on `permission.productChainId`. */
export function signProductPermission(signer: Signer, factory: string, permission: ProductTokenPermission): Promise<string> {
  return signer.signTypedData(permissionDomain(permission.productChainId, factory), PERMISSION_TYPES, permission);
}

/** The JSON form of a signed permission. */
export function permissionToJson(signed: SignedProductPermission): PermissionJson {
  const p = signed.permission;
  return {
    factory: signed.factory,
    permission: {
      productChainId: p.productChainId.toString(),
      mainToken: p.mainToken,
      ratio: p.ratio.toString(),
      productDeveloper: p.productDeveloper,
      expiry: p.expiry.toString(),
    },
    signature: signed.signature,
  };
}

/**
 * A signed permission from its JSON form (a parsed `token:permit-product` file). Anything else is an
 * `OP_INVALID_PARAMETER` naming the first field that is missing or malformed.
 */
export function permissionFromJson(value: unknown): SignedProductPermission {
  const bad = (what: string): never => {
    throw new OperationError("OP_INVALID_PARAMETER", `not a signed product-token permission: ${what}`, { hint: "use the file token:permit-product writes" });
  };
  const rec = (v: unknown, what: string): Record<string, unknown> => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : bad(`${what} is missing`));
  const address = (v: unknown, what: string): string => (typeof v === "string" && isAddress(v) ? getAddress(v) : bad(`${what} is not an address`));
  const integer = (v: unknown, what: string): bigint => (typeof v === "string" && /^\d+$/.test(v) ? BigInt(v) : bad(`${what} is not a decimal integer`));
  const root = rec(value, "the permission object");
  const p = rec(root.permission, "permission");
  if (typeof root.signature !== "string" || !/^0x[0-9a-fA-F]+$/.test(root.signature)) bad("signature is missing or not hex");
  return {
    factory: address(root.factory, "factory"),
    permission: {
      productChainId: integer(p.productChainId, "permission.productChainId"),
      mainToken: address(p.mainToken, "permission.mainToken"),
      ratio: integer(p.ratio, "permission.ratio"),
      productDeveloper: address(p.productDeveloper, "permission.productDeveloper"),
      expiry: integer(p.expiry, "permission.expiry"),
    },
    signature: root.signature as string,
  };
}
