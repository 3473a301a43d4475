import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { runInvariant } from "./bridgeInvariant";
import { deployBridgeWorld } from "./world";
import { machine } from "../machine";

/**
 * The bridge invariant over a long random run (the test suite runs 1,000 steps): `npm run bench:bridge`.
 * BENCH_STEPS (default 10,000) and BENCH_SEEDS (comma-separated, default three seeds).
 */
async function main(): Promise<void> {
  const steps = Number(process.env.BENCH_STEPS ?? 10_000);
  const seeds = (process.env.BENCH_SEEDS ?? "1,2,3").split(",").map(Number);
  console.log(`bridge invariant: ${steps} steps × ${seeds.length} seeds on ${machine()}`);
  for (const seed of seeds) {
    const world = await loadFixture(deployBridgeWorld); // a fresh world per seed (a snapshot after the first)
    const t0 = performance.now();
    const stats = await runInvariant(world, steps, seed);
    const s = (performance.now() - t0) / 1000;
    console.log(`seed ${seed}: held after every step; ${(steps / s).toFixed(0)} steps/s (${s.toFixed(1)} s)`, stats);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
