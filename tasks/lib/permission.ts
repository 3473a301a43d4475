import type { Signer, TypedDataDomain, TypedDataField } from "ethers";

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

/** The EIP-712 domain of the `ProductTokenFactory` at `factory` on `chainId`. */
export function permissionDomain(chainId: bigint, factory: string): TypedDataDomain {
  return { name: "LuniverseProductTokenFactory", version: "1", chainId, verifyingContract: factory };
}

/** Signs `permission` (eth_signTypedData_v4) for the factory at `factory` on `permission.productChainId`. */
export function signProductPermission(signer: Signer, factory: string, permission: ProductTokenPermission): Promise<string> {
  return signer.signTypedData(permissionDomain(permission.productChainId, factory), PERMISSION_TYPES, permission);
}
