import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { deploySystemFixture, type SystemFixture } from "../../fixtures/system";
import { addBridgePairs, issueWorldProductToken, type BridgePair, type BridgeWorld } from "../../../bench/bridge/world";
import type { ProductToken } from "../../../typechain-types";

/** Limits used by the bridge tests (main-token units on the main side, product units on the product side). */
export { CHAIN_ID, E, limits, type BridgePair } from "../../../bench/bridge/world";

export interface BridgeFixture extends SystemFixture, Omit<BridgeWorld, keyof SystemFixture> {
  gov: HardhatEthersSigner;
  signerAccounts: HardhatEthersSigner[];
  pairs: BridgePair[]; // ratios 1, 2, 10
  user: HardhatEthersSigner;
  other: HardhatEthersSigner;
  pd: HardhatEthersSigner;
}

/** Issues a product token for `mainToken` at `ratio` through the factory with the CP's EIP-712 permission (the operations). */
export async function issueProductToken(
  f: SystemFixture,
  cp: HardhatEthersSigner,
  pd: HardhatEthersSigner,
  mainToken: string,
  ratio: bigint,
  symbol: string,
): Promise<ProductToken> {
  return issueWorldProductToken(f, cp, pd, mainToken, ratio, symbol);
}

/**
 * The system plus a main token (issued by the deployer, a CP) backing three product tokens at 1:1, 1:2 and 1:10,
 * each registered on both bridge sides; the user holds 100,000 main tokens (`bench/bridge/world.ts`).
 */
export async function deployBridgeFixture(): Promise<BridgeFixture> {
  const f = await deploySystemFixture();
  const world = await addBridgePairs(f, { deployer: f.deployer, user: f.outsiders[6]!, other: f.outsiders[7]!, pd: f.outsiders[8]! });
  return { ...f, ...world };
}
