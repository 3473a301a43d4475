import { expect } from "chai";
import { formatStatus, type DevnetStatus } from "../../devnet/status";

const status: DevnetStatus = {
  main: { height: 120, finalized: 120, peers: 3 },
  product: { height: 118, finalized: 117, peers: 3 },
  ethereum: { height: 14 },
  phase1: { ranges: 11, lastAnchored: 110 },
  phase2: { ranges: 5, lastAnchored: 100 },
  bridge: { deposits: 4, minted: 3, redeems: 2, released: 2, queued: 0 },
};

describe("devnet status line (devnet/status.ts)", function () {
  it("one validator per chain: heights and finality, no peer counts", function () {
    expect(formatStatus(status, { validators: 1, productValidators: 1 })).to.equal(
      "main #120 (final 120) | product #118 (final 117) | eth #14 | anchored p1 ≤110 (11) p2 ≤100 (5) | bridge 4 dep/2 red, pending 1+0, queued 0",
    );
  });

  it("four product validators: the product node's peers (the other three owners' nodes)", function () {
    expect(formatStatus(status, { validators: 1, productValidators: 4 })).to.match(/^main #120 \(final 120\) \| product #118 \(final 117, 3 peers\) \| /);
    expect(formatStatus(status, { validators: 4, productValidators: 4 })).to.match(/^main #120 \(final 120, 3 peers\) \| product #118 \(final 117, 3 peers\) \| /);
  });

  it("a chain that does not answer is DOWN", function () {
    expect(formatStatus({ ...status, product: null }, { validators: 1, productValidators: 4 })).to.match(/\| product DOWN \|/);
  });
});
