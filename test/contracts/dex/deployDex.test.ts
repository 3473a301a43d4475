import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { DEX_CONTRACTS, deployDex, WRAPPED_NATIVE_LISTING_HASH } from "../../../deploy/dex";
import { dexFixture } from "./dex.fixture";

describe("deployDex", function () {
  it("records the four DEX contracts in the manifest and hands governance to the timelock", async function () {
    const f = await loadFixture(dexFixture);
    const m = f.sys.manifest;
    for (const name of DEX_CONTRACTS) expect(m.contracts[name], name).to.not.equal(undefined);
    expect(m.contracts.DexFactory!.proxyKind).to.equal("uups");
    expect(m.contracts.DexListingRegistry!.proxyKind).to.equal("uups");
    expect(m.contracts.DexRouter!.address).to.equal(f.routerAddress);

    const timelock = await f.sys.timelock.getAddress();
    const council = await f.sys.council.getAddress();
    for (const c of [f.factory, f.listingRegistry]) {
      expect(await c.hasRole(await c.GOVERNANCE_ROLE(), timelock)).to.equal(true);
      expect(await c.hasRole(await c.DEFAULT_ADMIN_ROLE(), timelock)).to.equal(true);
      expect(await c.hasRole(await c.PAUSER_ROLE(), council)).to.equal(true);
      expect(await c.hasRole(await c.GOVERNANCE_ROLE(), f.deployer.address)).to.equal(false);
      expect(await c.hasRole(await c.DEFAULT_ADMIN_ROLE(), f.deployer.address)).to.equal(false);
    }
    expect(await f.listingRegistry.hasRole(await f.listingRegistry.REVIEWER_ROLE(), f.deployer.address)).to.equal(true);
    expect(await f.listingRegistry.isListed(f.wethAddress)).to.equal(true);
    expect((await f.listingRegistry.getListing(f.wethAddress)).reportHash).to.equal(WRAPPED_NATIVE_LISTING_HASH);
    expect(await f.factory.swapFeeBps()).to.equal(30n);
    expect(await f.factory.listingRegistry()).to.equal(await f.listingRegistry.getAddress());
  });

  it("is idempotent: a second run reuses every contract and sends no transaction", async function () {
    const f = await loadFixture(dexFixture);
    const before = await ethers.provider.getBlockNumber();
    const lines: string[] = [];
    const again = await deployDex(hre, { deployer: f.deployer, manifest: f.sys.manifest, timelock: f.sys.timelock, council: f.sys.council }, { log: (l) => lines.push(l) });
    expect(await ethers.provider.getBlockNumber()).to.equal(before);
    expect(await again.router.getAddress()).to.equal(f.routerAddress);
    expect(lines.filter((l) => l.includes("reusing"))).to.have.length(4);
  });

  it("takes a fee, a protocol-fee recipient and reviewers, and saves the manifest after each step", async function () {
    const { sys } = await loadFixture(dexFixture);
    const [, , , , , , , , , , , r1, r2, feeTo] = await ethers.getSigners();
    let saves = 0;
    // a fresh DEX even when deploySystem already deployed one
    const manifest = structuredClone(sys.manifest);
    for (const name of DEX_CONTRACTS) delete manifest.contracts[name];
    const dex = await deployDex(
      hre,
      { deployer: sys.deployer, manifest, timelock: await sys.timelock.getAddress(), council: await sys.council.getAddress() },
      { swapFeeBps: 25, feeTo: feeTo!.address, reviewers: [r1!.address, r2!.address], save: () => void saves++ },
    );
    expect(await dex.factory.swapFeeBps()).to.equal(25n);
    expect(await dex.factory.feeTo()).to.equal(feeTo!.address);
    const role = await dex.listingRegistry.REVIEWER_ROLE();
    expect(await dex.listingRegistry.hasRole(role, r1!.address)).to.equal(true);
    expect(await dex.listingRegistry.hasRole(role, r2!.address)).to.equal(true);
    expect(await dex.listingRegistry.hasRole(role, sys.deployer.address)).to.equal(false);
    expect(saves).to.be.greaterThanOrEqual(5);
  });

  it("refuses a swap fee outside 0..100 bps, and wiring that needs governance after handover", async function () {
    const f = await loadFixture(dexFixture);
    const ctx = { deployer: f.deployer, manifest: f.sys.manifest, timelock: f.sys.timelock, council: f.sys.council };
    let message = "";
    try {
      await deployDex(hre, ctx, { swapFeeBps: 101 });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).to.match(/swapFeeBps must be an integer from 0 to 100/);
    message = "";
    try {
      await deployDex(hre, ctx, { reviewers: [f.bob.address] });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).to.match(/must be granted REVIEWER_ROLE by governance now/);
  });
});
