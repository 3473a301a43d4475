import { PERMISSION_TYPES, permissionDomain as domainOf } from "../../../ops/token/permission";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { BigNumberish, TypedDataDomain, TypedDataField } from "ethers";
import { deploySystemFixture, impersonate, type SystemFixture } from "../../fixtures/system";
import type { MainToken, ProductToken, ProductTokenFactory } from "../../../typechain-types";

/** Shared helpers of the token tests (MainToken, MainTokenFactory, ProductToken, ProductTokenFactory). */

export const E = 10n ** 18n;
export const CHAIN_ID = 31337n;

/** The main token every fixture issues (by the deployer, who holds CP_ROLE). */
export const MAIN = {
  name: "Acme Main",
  symbol: "ACME",
  decimals: 18,
  initialSupply: 1_000_000n * E,
  cap: 10_000_000n * E,
} as const;

/** The product token the product fixtures issue. */
export const PRODUCT_INFO = { name: "Acme Product", symbol: "pACME", decimals: 6 } as const;

export { PERMISSION_TYPES };

export const PERMIT_TYPES: Record<string, TypedDataField[]> = {
  Permit: [
    { name: "owner", type: "address" },
    { name: "spender", type: "address" },
    { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

export interface Permission {
  productChainId: bigint;
  mainToken: string;
  ratio: bigint;
  productDeveloper: string;
  expiry: bigint;
}

/** Issues a main token from `issuer` (must hold CP_ROLE); returns the typed handle and the receipt's gas. */
export async function issueMainToken(
  f: SystemFixture,
  issuer: HardhatEthersSigner,
  params: { name: string; symbol: string; decimals: number; initialSupply: bigint; cap: bigint } = MAIN,
): Promise<{ token: MainToken; gasUsed: bigint }> {
  const factory = f.mainTokenFactory.connect(issuer);
  const address = await factory.issueMainToken.staticCall(
    params.name,
    params.symbol,
    params.decimals,
    params.initialSupply,
    params.cap,
  );
  const receipt = await (
    await factory.issueMainToken(params.name, params.symbol, params.decimals, params.initialSupply, params.cap)
  ).wait();
  if (receipt === null) throw new Error("issueMainToken: no receipt");
  return { token: await ethers.getContractAt("MainToken", address), gasUsed: receipt.gasUsed };
}

export interface MainTokenFixture extends SystemFixture {
  /** The governance timelock, impersonated. */
  gov: HardhatEthersSigner;
  /** The EmergencyCouncil contract, impersonated (it holds PAUSER_ROLE on the factory). */
  councilAsSigner: HardhatEthersSigner;
  /** A main token issued by the deployer with {@link MAIN}. */
  token: MainToken;
  /** Gas used by the issuing transaction. */
  issueGas: bigint;
  alice: HardhatEthersSigner;
  bob: HardhatEthersSigner;
  carol: HardhatEthersSigner;
}

/** The system plus one main token issued by the deployer; alice holds 1,000 of it. */
export async function deployMainTokenFixture(): Promise<MainTokenFixture> {
  const f = await deploySystemFixture();
  const gov = await impersonate(await f.timelock.getAddress());
  const councilAsSigner = await impersonate(await f.council.getAddress());
  const { token, gasUsed } = await issueMainToken(f, f.deployer);
  const [alice, bob, carol] = f.outsiders as [HardhatEthersSigner, HardhatEthersSigner, HardhatEthersSigner];
  await (await token.connect(f.deployer).transfer(alice.address, 1_000n * E)).wait();
  return { ...f, gov, councilAsSigner, token, issueGas: gasUsed, alice, bob, carol };
}

/** The EIP-712 domain of the product-token factory (on this chain unless overridden). */
export async function permissionDomain(
  factory: ProductTokenFactory,
  overrides: Partial<TypedDataDomain> = {},
): Promise<TypedDataDomain> {
  return { ...domainOf(CHAIN_ID, await factory.getAddress()), ...overrides };
}

/** Signs `permission` with `signer` over `domain` (EIP-712, eth_signTypedData_v4). */
export async function signPermission(
  signer: HardhatEthersSigner,
  domain: TypedDataDomain,
  permission: Permission,
): Promise<string> {
  return signer.signTypedData(domain, PERMISSION_TYPES, permission);
}

export interface ProductTokenFixture extends MainTokenFixture {
  mainAddress: string;
  /** The consortium partner (the deployer), recorded by governance as the main token's issuer. */
  cp: HardhatEthersSigner;
  /** The product developer the permissions name. */
  pd: HardhatEthersSigner;
  /** The factory's EIP-712 domain on this chain. */
  domain: TypedDataDomain;
}

/** The main-token fixture plus governance recording the deployer as the main token's issuer on the product side. */
export async function deployProductFactoryFixture(): Promise<ProductTokenFixture> {
  const f = await deployMainTokenFixture();
  const mainAddress = await f.token.getAddress();
  await (await f.productTokenFactory.connect(f.gov).setMainTokenIssuer(mainAddress, f.deployer.address)).wait();
  const pd = f.outsiders[5]!;
  return { ...f, mainAddress, cp: f.deployer, pd, domain: await permissionDomain(f.productTokenFactory) };
}

/** A valid permission for `f.pd` (ratio 100, one hour), with optional overrides. */
export async function makePermission(f: ProductTokenFixture, overrides: Partial<Permission> = {}): Promise<Permission> {
  return {
    productChainId: CHAIN_ID,
    mainToken: f.mainAddress,
    ratio: 100n,
    productDeveloper: f.pd.address,
    expiry: BigInt(await time.latest()) + 3_600n,
    ...overrides,
  };
}

/** Issues a product token with a fresh permission signed by the CP; returns it, the permission and the gas used. */
export async function issueProductToken(
  f: ProductTokenFixture,
  overrides: Partial<Permission> = {},
  info: { name: string; symbol: string; decimals: number } = PRODUCT_INFO,
): Promise<{ token: ProductToken; permission: Permission; signature: string; gasUsed: bigint }> {
  const permission = await makePermission(f, overrides);
  const signature = await signPermission(f.cp, f.domain, permission);
  const factory = f.productTokenFactory.connect(f.pd);
  const address = await factory.issueProductToken.staticCall(permission, signature, info);
  const receipt = await (await factory.issueProductToken(permission, signature, info)).wait();
  if (receipt === null) throw new Error("issueProductToken: no receipt");
  return { token: await ethers.getContractAt("ProductToken", address), permission, signature, gasUsed: receipt.gasUsed };
}

export interface IssuedProductTokenFixture extends ProductTokenFixture {
  productToken: ProductToken;
  /** The product bridge, impersonated (the only minter). */
  bridgeAsSigner: HardhatEthersSigner;
}

/** The product-factory fixture plus one product token issued by the PD. */
export async function deployProductTokenFixture(): Promise<IssuedProductTokenFixture> {
  const f = await deployProductFactoryFixture();
  const { token } = await issueProductToken(f);
  const bridgeAsSigner = await impersonate(await f.productBridge.getAddress());
  return { ...f, productToken: token, bridgeAsSigner };
}

/** Signs an EIP-2612 permit of `token` (domain read from the token's EIP-5267 `eip712Domain()`). */
export async function signPermit(
  token: MainToken | ProductToken,
  owner: HardhatEthersSigner,
  spender: string,
  value: BigNumberish,
  deadline: BigNumberish,
  nonce?: BigNumberish,
): Promise<{ v: number; r: string; s: string; signature: string }> {
  const d = await token.eip712Domain();
  const domain: TypedDataDomain = { name: d.name, version: d.version, chainId: d.chainId, verifyingContract: d.verifyingContract };
  const message = {
    owner: owner.address,
    spender,
    value,
    nonce: nonce ?? (await token.nonces(owner.address)),
    deadline,
  };
  const signature = await owner.signTypedData(domain, PERMIT_TYPES, message);
  const { v, r, s } = ethers.Signature.from(signature);
  return { v, r, s, signature };
}

/** The implementation an EIP-1167 minimal proxy delegates to, read from its runtime code. */
export async function cloneImplementation(address: string): Promise<string> {
  const code = await ethers.provider.getCode(address);
  const match = /^0x363d3d373d3d3d363d73([0-9a-f]{40})5af43d82803e903d91602b57fd5bf3$/i.exec(code);
  if (match === null) throw new Error(`${address} is not an EIP-1167 clone: ${code}`);
  return ethers.getAddress(`0x${match[1]}`);
}
