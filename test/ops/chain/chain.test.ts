import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deploySystemFixture, expectErrorCode } from "../../fixtures/system";
import { registerChain } from "../../../ops/chain/registerChain";
import { swapVote } from "../../../ops/chain/swapVote";

describe("ops/chain", function () {
  it("registerChain registers a product chain; swapVote replaces an owner on the majority's vote", async function () {
    const f = await loadFixture(deploySystemFixture);
    const registry = await f.chainRegistry.getAddress();
    const [pd, o1, o2, o3, o4, newcomer] = f.outsiders;
    const owners = [o1!, o2!, o3!, o4!].map((s) => s.address) as [string, string, string, string];
    const r = await registerChain(f.deployer, { registry, chainId: 1001n, name: "Game chain", productDeveloper: pd!.address, nodeOwners: owners, shardGroup: 2n });
    expect(r.chainId).to.equal(1001n);
    expect((await f.chainRegistry.getChain(1001n)).shardGroup).to.equal(2n);
    const ballot = { registry, chainId: 1001n, oldOwner: o4!.address, newOwner: newcomer!.address };
    expect(await swapVote(o1!, ballot)).to.include({ votes: 1n, needed: 3n, swapped: false });
    expect(await swapVote(o2!, ballot)).to.include({ votes: 2n, swapped: false });
    expect(await swapVote(o3!, ballot)).to.include({ votes: 3n, swapped: true });
    expect(await f.chainRegistry.isNodeOwner(1001n, newcomer!.address)).to.equal(true);
  });

  it("names a missing CP role (with the hint) and a vote by someone who is not a node owner", async function () {
    const f = await loadFixture(deploySystemFixture);
    const registry = await f.chainRegistry.getAddress();
    const owners = f.outsiders.slice(1, 5).map((s) => s.address) as [string, string, string, string];
    await expectErrorCode(
      registerChain(f.outsiders[0]!, { registry, chainId: 7n, name: "x", productDeveloper: f.outsiders[0]!.address, nodeOwners: owners }),
      "CONTRACT_REVERT",
      /registerChain reverted with AccessControlUnauthorizedAccount\(.*\): the sender is not a consortium partner/,
    );
    await registerChain(f.deployer, { registry, chainId: 7n, name: "x", productDeveloper: f.outsiders[0]!.address, nodeOwners: owners });
    await expectErrorCode(
      swapVote(f.outsiders[9]!, { registry, chainId: 7n, oldOwner: owners[0], newOwner: f.outsiders[8]!.address }),
      "CONTRACT_REVERT",
      /voteSwap reverted with ChainRegistryNotNodeOwner\(7, /,
    );
  });
});
