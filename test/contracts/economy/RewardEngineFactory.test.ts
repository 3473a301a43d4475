import { expect } from "chai";
import { ethers, upgrades } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deployEconomyFixture, newEngine } from "./economy.fixture";

describe("RewardEngineFactory", function () {
  it("createEngine clones the implementation for the caller (RewardEngineCreated) and registers it; anyone may create", async function () {
    const f = await loadFixture(deployEconomyFixture);
    expect(await f.rewardEngineFactory.implementation()).to.equal(f.implementations.RewardEngine);
    const token = await f.token.getAddress();
    const engine = await f.rewardEngineFactory.connect(f.users[0]!).createEngine.staticCall(token);
    await expect(f.rewardEngineFactory.connect(f.users[0]!).createEngine(token))
      .to.emit(f.rewardEngineFactory, "RewardEngineCreated")
      .withArgs(engine, f.users[0]!.address, token);
    expect(await f.rewardEngineFactory.isEngine(engine)).to.equal(true);
    expect(await f.rewardEngineFactory.isEngine(token)).to.equal(false);
    expect(await f.rewardEngineFactory.engineCount()).to.equal(1n);
    expect(await (await ethers.getContractAt("RewardEngine", engine)).owner()).to.equal(f.users[0]!.address);
  });

  it("refuses a token without code", async function () {
    const f = await loadFixture(deployEconomyFixture);
    await expect(f.rewardEngineFactory.createEngine(f.users[0]!.address))
      .to.be.revertedWithCustomError(f.rewardEngineFactory, "RewardEngineFactoryNotContract")
      .withArgs(f.users[0]!.address);
  });

  it("governance sets the implementation for future engines; others cannot; it must be a contract", async function () {
    const f = await loadFixture(deployEconomyFixture);
    const fresh = await (await ethers.getContractFactory("RewardEngine")).deploy();
    await expect(f.rewardEngineFactory.connect(f.cp).setImplementation(await fresh.getAddress()))
      .to.be.revertedWithCustomError(f.rewardEngineFactory, "AccessControlUnauthorizedAccount")
      .withArgs(f.cp.address, await f.rewardEngineFactory.GOVERNANCE_ROLE());
    await expect(f.rewardEngineFactory.connect(f.governance).setImplementation(f.users[0]!.address))
      .to.be.revertedWithCustomError(f.rewardEngineFactory, "RewardEngineFactoryNotContract")
      .withArgs(f.users[0]!.address);
    await expect(f.rewardEngineFactory.connect(f.governance).setImplementation(await fresh.getAddress()))
      .to.emit(f.rewardEngineFactory, "ImplementationSet")
      .withArgs(await fresh.getAddress());
    const e = await newEngine(f);
    expect((await ethers.provider.getCode(await e.getAddress())).toLowerCase()).to.contain((await fresh.getAddress()).slice(2).toLowerCase());
  });

  it("the proxy and the implementation cannot be initialised again; a zero admin is refused", async function () {
    const f = await loadFixture(deployEconomyFixture);
    await expect(f.rewardEngineFactory.initialize(f.holder.address, f.implementations.RewardEngine)).to.be.revertedWithCustomError(
      f.rewardEngineFactory,
      "InvalidInitialization",
    );
    const impl = await ethers.getContractAt("RewardEngineFactory", await upgrades.erc1967.getImplementationAddress(await f.rewardEngineFactory.getAddress()));
    await expect(impl.initialize(f.holder.address, f.implementations.RewardEngine)).to.be.revertedWithCustomError(impl, "InvalidInitialization");
    const Factory = await ethers.getContractFactory("RewardEngineFactory");
    await expect(upgrades.deployProxy(Factory, [ethers.ZeroAddress, f.implementations.RewardEngine], { kind: "uups" }))
      .to.be.revertedWithCustomError(Factory, "SystemContractZeroAddress")
      .withArgs("admin");
  });

  it("the council pauses creation, only governance unpauses", async function () {
    const f = await loadFixture(deployEconomyFixture);
    const token = await f.token.getAddress();
    await expect(f.rewardEngineFactory.connect(f.councilContract).pause()).to.emit(f.rewardEngineFactory, "Paused");
    await expect(f.rewardEngineFactory.createEngine(token)).to.be.revertedWithCustomError(f.rewardEngineFactory, "EnforcedPause");
    await expect(f.rewardEngineFactory.connect(f.councilContract).unpause()).to.be.revertedWithCustomError(
      f.rewardEngineFactory,
      "AccessControlUnauthorizedAccount",
    );
    await f.rewardEngineFactory.connect(f.governance).unpause();
    await expect(f.rewardEngineFactory.createEngine(token)).to.emit(f.rewardEngineFactory, "RewardEngineCreated");
  });

  it("is upgraded by governance through the storage-layout check and keeps its state", async function () {
    const f = await loadFixture(deployEconomyFixture);
    await upgrades.validateImplementation(await ethers.getContractFactory("RewardEngineFactory"), { kind: "uups" });
    const e = await newEngine(f);
    const V2 = await ethers.getContractFactory("RewardEngineFactoryV2Mock", f.governance);
    const upgraded = await upgrades.upgradeProxy(await f.rewardEngineFactory.getAddress(), V2, { kind: "uups", call: { fn: "initializeV2" } });
    expect(await upgraded.getFunction("version")()).to.equal("2");
    expect(await f.rewardEngineFactory.isEngine(await e.getAddress())).to.equal(true);
    expect(await f.rewardEngineFactory.engineCount()).to.equal(1n);
  });
});
