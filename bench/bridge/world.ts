/**
 * The bridge world on Hardhat's in-process network that the invariant run (`bench/bridge/invariant.ts`) and the
 * bridge contract tests (`test/contracts/bridge/bridge.fixture.ts`) share: a main token issued by the deployer (a CP)
 * backing three product tokens at 1:1, 1:2 and 1:10, each registered on both bridge sides of the one chain by the
 * (impersonated) timelock; a user holding 100,000 main tokens with the main bridge approved. Tokens are issued
 * through the operations (`ops/token`), as every other caller does.
 */
import hre, { ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { deploySystem, type DeploySystemResult } from "../../deploy/system";
import { resolveConfig } from "../../deploy/config";
import { issueMainToken } from "../../ops/token/issueMainToken";
import { issueProductToken } from "../../ops/token/issueProductToken";
import { permitProductToken } from "../../ops/token/permitProductToken";
import type { MainToken, ProductToken } from "../../typechain-types";

export const E = 10n ** 18n;
/** Hardhat's chain id: both bridge sides live on it. */
export const CHAIN_ID = 31337n;

/** Limits of the world's pairs (main-token units on the main side; `limits(ratio)` on the product side). */
export function limits(scale = 1n): { minPerTx: bigint; maxPerTx: bigint; dailyIn: bigint; dailyOut: bigint } {
  return { minPerTx: 1n, maxPerTx: 1_000n * E * scale, dailyIn: 5_000n * E * scale, dailyOut: 5_000n * E * scale };
}

export interface BridgePair {
  ratio: bigint;
  productToken: ProductToken;
  pairId: string;
}

/** The system contracts the world needs (a `deploySystem` result or the test fixture). */
export type BridgeSystem = Pick<DeploySystemResult, "mainTokenFactory" | "productTokenFactory" | "mainBridge" | "productBridge" | "timelock" | "council" | "bridgeSigners">;

export interface BridgeWorld extends BridgeSystem {
  /** The timelock, impersonated: it governs both bridges. */
  gov: HardhatEthersSigner;
  deployer: HardhatEthersSigner;
  signerAccounts: HardhatEthersSigner[];
  mainToken: MainToken;
  /** Ratios 1, 2 and 10. */
  pairs: BridgePair[];
  user: HardhatEthersSigner;
  other: HardhatEthersSigner;
  pd: HardhatEthersSigner;
}

/** `address` as a signer on Hardhat's network (impersonated, funded with 10 ETH). */
export async function impersonated(address: string): Promise<HardhatEthersSigner> {
  await hre.network.provider.request({ method: "hardhat_impersonateAccount", params: [address] });
  await hre.network.provider.request({ method: "hardhat_setBalance", params: [address, ethers.toBeHex(10n * E)] });
  return ethers.getSigner(address);
}

/** A product token for `mainToken` at `ratio`: the CP permits the PD (`permitProductToken`), the PD issues (`issueProductToken`). */
export async function issueWorldProductToken(
  system: Pick<BridgeSystem, "productTokenFactory">,
  cp: HardhatEthersSigner,
  pd: HardhatEthersSigner,
  mainToken: string,
  ratio: bigint,
  symbol: string,
): Promise<ProductToken> {
  const factory = await system.productTokenFactory.getAddress();
  const permit = await permitProductToken({ cp, product: ethers.provider }, { factory, mainToken, ratio, productDeveloper: pd.address, expiry: 2n ** 40n });
  const { token } = await issueProductToken(pd, { permit, name: `Product ${symbol}`, symbol });
  return ethers.getContractAt("ProductToken", token);
}

/**
 * Adds the world's tokens and pairs to a deployed system: the deployer issues the main token and records itself as
 * its CP on the product factory (as the timelock), issues product tokens at 1:1, 1:2 and 1:10 for `pd`, and the
 * timelock registers each pair on both sides; the user gets 100,000 main tokens and approves the main bridge.
 */
export async function addBridgePairs(
  system: BridgeSystem,
  accounts: { deployer: HardhatEthersSigner; user: HardhatEthersSigner; other: HardhatEthersSigner; pd: HardhatEthersSigner },
): Promise<BridgeWorld> {
  const { deployer, user, pd } = accounts;
  const gov = await impersonated(await system.timelock.getAddress());
  const signerAccounts = await Promise.all(system.bridgeSigners.map((a) => ethers.getSigner(a)));
  const issued = await issueMainToken(deployer, { factory: await system.mainTokenFactory.getAddress(), name: "Main Gold", symbol: "MGLD", supply: 1_000_000n * E, cap: 10_000_000n * E });
  const mainToken = await ethers.getContractAt("MainToken", issued.token);
  await mainToken.transfer(user.address, 100_000n * E);
  await system.productTokenFactory.connect(gov).setMainTokenIssuer(issued.token, deployer.address);

  const pairs: BridgePair[] = [];
  for (const [ratio, symbol] of [[1n, "PA"], [2n, "PB"], [10n, "PC"]] as const) {
    const productToken = await issueWorldProductToken(system, deployer, pd, issued.token, ratio, symbol);
    const productAddress = await productToken.getAddress();
    await system.mainBridge.connect(gov).registerPair(issued.token, CHAIN_ID, productAddress, ratio, limits());
    await system.productBridge.connect(gov).registerPair(CHAIN_ID, issued.token, productAddress, ratio, limits(ratio));
    pairs.push({ ratio, productToken, pairId: await system.mainBridge.pairIdOf(issued.token, CHAIN_ID, productAddress) });
  }
  await mainToken.connect(user).approve(await system.mainBridge.getAddress(), ethers.MaxUint256);
  return { ...system, ...accounts, gov, signerAccounts, mainToken, pairs };
}

/**
 * The whole world from nothing (for the benchmark; use with `loadFixture`): the system deployed by `deploySystem`
 * with its default configuration (no manifest), then {@link addBridgePairs} with accounts 0 (deployer), 16 (user),
 * 17 (other) and 18 (PD).
 */
export async function deployBridgeWorld(): Promise<BridgeWorld> {
  const system = await deploySystem(hre, { manifestDir: null, config: resolveConfig() });
  const signers = await ethers.getSigners();
  return addBridgePairs(system, { deployer: signers[0]!, user: signers[16]!, other: signers[17]!, pd: signers[18]! });
}
