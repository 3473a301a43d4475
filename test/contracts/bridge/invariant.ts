import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { runInvariant as run } from "../../../bench/bridge/bridgeInvariant";
import { deployBridgeFixture } from "./bridge.fixture";

/**
 * The randomised invariant run of the 4-of-6 bridge (`bench/bridge/bridgeInvariant.ts`, shared with
 * `npm run bench:bridge`) on the bridge tests' fixture.
 */
export { SEED, STEPS } from "../../../bench/bridge/bridgeInvariant";

export async function runInvariant(steps: number, seed: number): Promise<Record<string, number>> {
  const f = await loadFixture(deployBridgeFixture);
  // The daily limits count per UTC day and the run moves time forward by random amounts: start one hour into a day,
  // so the run is the same whatever the wall clock says when the chain started.
  const now = await time.latest();
  await time.increaseTo((Math.floor(now / 86_400) + 1) * 86_400 + 3_600);
  return run(f, steps, seed);
}
