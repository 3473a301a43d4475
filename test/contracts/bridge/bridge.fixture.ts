import { ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { signProductPermission } from "../../../tasks/lib/permission";
import { deploySystemFixture, impersonate, type SystemFixture } from "../../fixtures/system";
import type { MainToken, ProductToken } from "../../../typechain-types";

export const E = 10n ** 18n;
export const CHAIN_ID = 31337n;

/** Limits used by the bridge tests (main-token units on the main side, product units on the product side). */
export function limits(scale = 1n): { minPerTx: bigint; maxPerTx: bigint; dailyIn: bigint; dailyOut: bigint } {
  return { minPerTx: 1n, maxPerTx: 1_000n * E * scale, dailyIn: 5_000n * E * scale, dailyOut: 5_000n * E * scale };
}

export interface BridgePair {
  ratio: bigint;
  productToken: ProductToken;
  pairId: string;
}

export interface BridgeFixture extends SystemFixture {
  gov: HardhatEthersSigner;
  signerAccounts: HardhatEthersSigner[];
  mainToken: MainToken;
  pairs: BridgePair[]; // ratios 1, 2, 10
  user: HardhatEthersSigner;
  other: HardhatEthersSigner;
  pd: HardhatEthersSigner;
}

/** Issues a product token for `mainToken` at `ratio` through the factory with the CP's EIP-712 permission. */
export async function issueProductToken(
  f: SystemFixture,
  cp: HardhatEthersSigner,
  pd: HardhatEthersSigner,
  mainToken: string,
  ratio: bigint,
  symbol: string,
): Promise<ProductToken> {
  const factory = f.productTokenFactory;
  const permission = { productChainId: CHAIN_ID, mainToken, ratio, productDeveloper: pd.address, expiry: 2n ** 40n };
  const signature = await signProductPermission(cp, await factory.getAddress(), permission);
  const tx = await factory.connect(pd).issueProductToken(permission, signature, { name: `Product ${symbol}`, symbol, decimals: 18 });
  const receipt = await tx.wait();
  const log = receipt!.logs.map((l) => factory.interface.parseLog(l)).find((p) => p?.name === "ProductTokenIssued");
  return ethers.getContractAt("ProductToken", log!.args.token as string);
}

/**
 * The system plus a main token (issued by the deployer, a CP) backing three product tokens at 1:1, 1:2 and 1:10,
 * each registered on both bridge sides; the user holds 100,000 main tokens.
 */
export async function deployBridgeFixture(): Promise<BridgeFixture> {
  const f = await deploySystemFixture();
  const gov = await impersonate(await f.timelock.getAddress());
  const signerAccounts = await Promise.all(f.bridgeSigners.map((a) => ethers.getSigner(a)));
  const [user, other, pd] = [f.outsiders[6]!, f.outsiders[7]!, f.outsiders[8]!];

  const tx = await f.mainTokenFactory.issueMainToken("Main Gold", "MGLD", 18, 1_000_000n * E, 10_000_000n * E);
  const receipt = await tx.wait();
  const issued = receipt!.logs.map((l) => f.mainTokenFactory.interface.parseLog(l)).find((p) => p?.name === "MainTokenIssued");
  const mainToken = await ethers.getContractAt("MainToken", issued!.args.token as string);
  await mainToken.transfer(user.address, 100_000n * E);
  const mainAddress = await mainToken.getAddress();
  await f.productTokenFactory.connect(gov).setMainTokenIssuer(mainAddress, f.deployer.address);

  const pairs: BridgePair[] = [];
  for (const [ratio, symbol] of [[1n, "PA"], [2n, "PB"], [10n, "PC"]] as const) {
    const productToken = await issueProductToken(f, f.deployer, pd, mainAddress, ratio, symbol);
    const productAddress = await productToken.getAddress();
    await f.mainBridge.connect(gov).registerPair(mainAddress, CHAIN_ID, productAddress, ratio, limits());
    await f.productBridge.connect(gov).registerPair(CHAIN_ID, mainAddress, productAddress, ratio, limits(ratio));
    pairs.push({ ratio, productToken, pairId: await f.mainBridge.pairIdOf(mainAddress, CHAIN_ID, productAddress) });
  }
  await mainToken.connect(user).approve(await f.mainBridge.getAddress(), ethers.MaxUint256);
  return { ...f, gov, signerAccounts, mainToken, pairs, user, other, pd };
}
