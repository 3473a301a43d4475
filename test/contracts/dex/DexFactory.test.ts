import { expect } from "chai";
import { ethers, upgrades } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ETHER, impersonate, passProposal } from "../../fixtures/system";
import { addLiquidity, deadline, dexFixture, newToken, pairOf, type DexFixture } from "./dex.fixture";
import type { DexFactory } from "../../../typechain-types";

async function asGovernance(f: DexFixture) {
  return impersonate(await f.sys.timelock.getAddress());
}

describe("DexFactory", function () {
  describe("createPair", function () {
    it("creates the pair of two listed tokens at its CREATE2 address and records it both ways", async function () {
      const f = await loadFixture(dexFixture);
      const [a, b] = [await f.tokenA.getAddress(), await f.tokenB.getAddress()];
      const [t0, t1] = a.toLowerCase() < b.toLowerCase() ? [a, b] : [b, a];
      const predicted = await f.router.pairFor(a, b);
      await expect(f.factory.connect(f.outsider).createPair(b, a)).to.emit(f.factory, "PairCreated").withArgs(t0, t1, predicted, 1n);
      expect(await f.factory.getPair(a, b)).to.equal(predicted);
      expect(await f.factory.getPair(b, a)).to.equal(predicted);
      expect(await f.factory.allPairs(0)).to.equal(predicted);
      expect(await f.factory.allPairsLength()).to.equal(1n);
      const pair = await pairOf(f, a, b);
      expect([await pair.token0(), await pair.token1()]).to.deep.equal([t0, t1]);
    });

    it("pairInitCodeHash is keccak256 of DexPair's creation code, and the router's pairFor matches CREATE2", async function () {
      const f = await loadFixture(dexFixture);
      const bytecode = (await ethers.getContractFactory("DexPair")).bytecode;
      const hash = ethers.keccak256(bytecode);
      expect(await f.factory.pairInitCodeHash()).to.equal(hash);
      expect(await f.router.PAIR_INIT_CODE_HASH()).to.equal(hash);
      const [a, c] = [await f.tokenA.getAddress(), await f.tokenC.getAddress()];
      const [t0, t1] = a.toLowerCase() < c.toLowerCase() ? [a, c] : [c, a];
      const salt = ethers.solidityPackedKeccak256(["address", "address"], [t0, t1]);
      const expected = ethers.getCreate2Address(await f.factory.getAddress(), salt, hash);
      expect(await f.router.pairFor(a, c)).to.equal(expected);
      expect(await f.router.pairFor(c, a)).to.equal(expected);
      await (await f.factory.createPair(a, c)).wait();
      expect(await f.factory.getPair(a, c)).to.equal(expected);
      expect((await ethers.provider.getCode(expected)).length).to.be.greaterThan(2);
    });

    it("reverts DexFactoryIdenticalTokens for a token paired with itself", async function () {
      const f = await loadFixture(dexFixture);
      const a = await f.tokenA.getAddress();
      await expect(f.factory.createPair(a, a)).to.be.revertedWithCustomError(f.factory, "DexFactoryIdenticalTokens").withArgs(a);
    });

    it("reverts SystemContractZeroAddress for the zero address", async function () {
      const f = await loadFixture(dexFixture);
      await expect(f.factory.createPair(ethers.ZeroAddress, await f.tokenA.getAddress()))
        .to.be.revertedWithCustomError(f.factory, "SystemContractZeroAddress")
        .withArgs("token");
    });

    it("reverts DexFactoryTokenNotListed for a token never listed, pending, rejected or delisted", async function () {
      const f = await loadFixture(dexFixture);
      const a = await f.tokenA.getAddress();
      const fresh = await newToken(f.issuer, "Fresh", "FRSH");
      const freshAddress = await fresh.getAddress();
      await expect(f.factory.createPair(a, freshAddress)).to.be.revertedWithCustomError(f.factory, "DexFactoryTokenNotListed").withArgs(freshAddress);
      await (await f.listingRegistry.connect(f.issuer).requestListing(freshAddress, ethers.id("r"), f.auditor.address, "")).wait();
      await expect(f.factory.createPair(freshAddress, a)).to.be.revertedWithCustomError(f.factory, "DexFactoryTokenNotListed").withArgs(freshAddress);
      await (await f.listingRegistry.connect(f.reviewer).delist(a, "re-audit failed")).wait();
      await expect(f.factory.createPair(a, await f.tokenB.getAddress())).to.be.revertedWithCustomError(f.factory, "DexFactoryTokenNotListed").withArgs(a);
    });

    it("reverts DexFactoryPairExists for an existing pair, in either order", async function () {
      const f = await loadFixture(dexFixture);
      const [a, b] = [await f.tokenA.getAddress(), await f.tokenB.getAddress()];
      await (await f.factory.createPair(a, b)).wait();
      const pair = await f.factory.getPair(a, b);
      const [t0, t1] = a.toLowerCase() < b.toLowerCase() ? [a, b] : [b, a];
      await expect(f.factory.createPair(b, a)).to.be.revertedWithCustomError(f.factory, "DexFactoryPairExists").withArgs(t0, t1, pair);
    });

    it("pairParameters reads zero outside pair creation", async function () {
      const f = await loadFixture(dexFixture);
      expect(await f.factory.pairParameters()).to.deep.equal([ethers.ZeroAddress, ethers.ZeroAddress, 30n]);
    });
  });

  describe("pause", function () {
    it("stops new pairs and new liquidity; swaps and removal go on; unpause restores", async function () {
      const f = await loadFixture(dexFixture);
      const [a, b, c] = [await f.tokenA.getAddress(), await f.tokenB.getAddress(), await f.tokenC.getAddress()];
      const pair = await addLiquidity(f, f.alice, f.tokenA, f.tokenB, 1_000n * ETHER, 1_000n * ETHER);
      const governance = await asGovernance(f);
      await (await f.factory.connect(governance).pause()).wait();

      await expect(f.factory.createPair(a, c)).to.be.revertedWithCustomError(f.factory, "EnforcedPause");
      await expect(f.router.connect(f.alice).addLiquidity(a, b, ETHER, ETHER, 0, 0, f.alice.address, await deadline()))
        .to.be.revertedWithCustomError(pair, "DexPairLiquidityClosed");
      await expect(f.router.connect(f.alice).swapExactTokensForTokens(ETHER, 0, [a, b], f.alice.address, await deadline())).to.emit(pair, "Swap");
      await (await pair.connect(f.alice).approve(f.routerAddress, ethers.MaxUint256)).wait();
      await expect(f.router.connect(f.alice).removeLiquidity(a, b, ETHER, 0, 0, f.alice.address, await deadline())).to.emit(pair, "Burn");

      await expect(f.factory.connect(f.alice).unpause()).to.be.revertedWithCustomError(f.factory, "AccessControlUnauthorizedAccount");
      await (await f.factory.connect(governance).unpause()).wait();
      await expect(f.factory.createPair(a, c)).to.emit(f.factory, "PairCreated");
    });

    it("the emergency council holds PAUSER_ROLE; others may not pause", async function () {
      const f = await loadFixture(dexFixture);
      expect(await f.factory.hasRole(await f.factory.PAUSER_ROLE(), await f.sys.council.getAddress())).to.equal(true);
      await expect(f.factory.connect(f.alice).pause())
        .to.be.revertedWithCustomError(f.factory, "AccessControlUnauthorizedAccount")
        .withArgs(f.alice.address, await f.factory.PAUSER_ROLE());
    });
  });

  describe("governance parameters", function () {
    it("governance sets the swap fee through a proposal (SwapFeeChanged)", async function () {
      const f = await loadFixture(dexFixture);
      const target = await f.factory.getAddress();
      const data = f.factory.interface.encodeFunctionData("setSwapFee", [100]);
      await passProposal(f.sys, [target], [0], [data], "DEX: swap fee to the 1 % ceiling");
      expect(await f.factory.swapFeeBps()).to.equal(100n);
      const governance = await asGovernance(f);
      await expect(f.factory.connect(governance).setSwapFee(0)).to.emit(f.factory, "SwapFeeChanged").withArgs(100n, 0n);
      expect(await f.factory.feeConfig()).to.deep.equal([ethers.ZeroAddress, 0n]);
    });

    it("reverts DexFactorySwapFeeTooHigh above 100 bps", async function () {
      const f = await loadFixture(dexFixture);
      const governance = await asGovernance(f);
      await expect(f.factory.connect(governance).setSwapFee(101)).to.be.revertedWithCustomError(f.factory, "DexFactorySwapFeeTooHigh").withArgs(101n, 100n);
    });

    it("only governance sets the fee, the protocol-fee recipient and the listing registry", async function () {
      const f = await loadFixture(dexFixture);
      const role = await f.factory.GOVERNANCE_ROLE();
      for (const call of [
        () => f.factory.connect(f.alice).setSwapFee(10),
        () => f.factory.connect(f.alice).setFeeTo(f.alice.address),
        () => f.factory.connect(f.alice).setListingRegistry(f.alice.address),
      ]) {
        await expect(call()).to.be.revertedWithCustomError(f.factory, "AccessControlUnauthorizedAccount").withArgs(f.alice.address, role);
      }
    });

    it("setListingRegistry switches the registry consulted, and refuses zero", async function () {
      const f = await loadFixture(dexFixture);
      const governance = await asGovernance(f);
      const old = await f.listingRegistry.getAddress();
      await expect(f.factory.connect(governance).setListingRegistry(ethers.ZeroAddress))
        .to.be.revertedWithCustomError(f.factory, "SystemContractZeroAddress")
        .withArgs("listingRegistry");
      const fresh = await upgrades.deployProxy(await ethers.getContractFactory("DexListingRegistry"), [f.deployer.address], { kind: "uups" });
      await expect(f.factory.connect(governance).setListingRegistry(await fresh.getAddress()))
        .to.emit(f.factory, "ListingRegistryChanged")
        .withArgs(old, await fresh.getAddress());
      expect(await f.factory.listingRegistry()).to.equal(await fresh.getAddress());
      await expect(f.factory.createPair(await f.tokenA.getAddress(), await f.tokenB.getAddress())).to.be.revertedWithCustomError(f.factory, "DexFactoryTokenNotListed");
    });

    it("liquidityConfig reports feeTo, fee and whether both tokens may take liquidity", async function () {
      const f = await loadFixture(dexFixture);
      const [a, b] = [await f.tokenA.getAddress(), await f.tokenB.getAddress()];
      expect(await f.factory.liquidityConfig(a, b)).to.deep.equal([ethers.ZeroAddress, 30n, true]);
      expect(await f.factory.liquidityConfig(a, f.alice.address)).to.deep.equal([ethers.ZeroAddress, 30n, false]);
    });
  });

  describe("initialisation and upgrades", function () {
    it("initialize refuses a zero registry, a fee above 100 bps and a second call", async function () {
      const f = await loadFixture(dexFixture);
      const Factory = await ethers.getContractFactory("DexFactory");
      const registry = await f.listingRegistry.getAddress();
      await expect(upgrades.deployProxy(Factory, [f.deployer.address, ethers.ZeroAddress, 30], { kind: "uups" }))
        .to.be.revertedWithCustomError(Factory, "SystemContractZeroAddress")
        .withArgs("listingRegistry");
      await expect(upgrades.deployProxy(Factory, [f.deployer.address, registry, 101], { kind: "uups" }))
        .to.be.revertedWithCustomError(Factory, "DexFactorySwapFeeTooHigh")
        .withArgs(101n, 100n);
      await expect(f.factory.initialize(f.deployer.address, registry, 30)).to.be.revertedWithCustomError(f.factory, "InvalidInitialization");
    });

    for (const name of ["DexFactory", "DexListingRegistry"]) {
      it(`${name} passes the upgrade-safety validation as a UUPS implementation`, async function () {
        await upgrades.validateImplementation(await ethers.getContractFactory(name), { kind: "uups" });
      });
    }

    it("governance upgrades the factory and its pairs and state survive", async function () {
      const f = await loadFixture(dexFixture);
      const pair = await addLiquidity(f, f.alice, f.tokenA, f.tokenB, 100n * ETHER, 100n * ETHER);
      const proxy = await f.factory.getAddress();
      const impl = (await upgrades.prepareUpgrade(proxy, await ethers.getContractFactory("DexFactory"), { kind: "uups", redeployImplementation: "always" })) as string;
      await passProposal(f.sys, [proxy], [0], [f.factory.interface.encodeFunctionData("upgradeToAndCall", [impl, "0x"])], "DEX: upgrade the factory");
      expect(await upgrades.erc1967.getImplementationAddress(proxy)).to.equal(impl);
      const upgraded = (await ethers.getContractAt("DexFactory", proxy)) as unknown as DexFactory;
      expect(await upgraded.getPair(await f.tokenA.getAddress(), await f.tokenB.getAddress())).to.equal(await pair.getAddress());
      expect(await upgraded.swapFeeBps()).to.equal(30n);
    });
  });
});
