import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { runInvariant as run } from "../../../bench/bridge/bridgeInvariant";
import { deployBridgeFixture } from "./bridge.fixture";

/**
 * The randomised invariant run of the 4-of-6 bridge (`bench/bridge/bridgeInvariant.ts`, shared with
 * `npm run bench:bridge`) on the bridge tests' fixture.
 */
export { SEED, STEPS } from "../../../bench/bridge/bridgeInvariant";

export async function runInvariant(steps: number, seed: number): Promise<Record<string, number>> {
  return run(await loadFixture(deployBridgeFixture), steps, seed);
}
