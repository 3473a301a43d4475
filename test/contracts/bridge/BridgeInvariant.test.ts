import { expect } from "chai";
import { runInvariant, SEED, STEPS } from "./invariant";

describe("bridge invariant (randomised)", function () {
  this.timeout(600_000);
  it(`locked × ratio = minted − redeemed after each of ${STEPS} random steps; ≤ 3 malicious signers never mint or release`, async function () {
    const stats = await runInvariant(STEPS, SEED);
    if (process.env.INVARIANT_VERBOSE) console.log(stats);
    expect(stats.deposit ?? 0).to.be.greaterThan(0);
    expect(stats.redeem ?? 0).to.be.greaterThan(0);
    expect(stats["forged-id"] ?? 0).to.be.greaterThan(0);
    expect(stats["execute-queued"] ?? 0).to.be.greaterThan(0);
  });
});
