import { expect } from "chai";
import { ethers, upgrades } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deployEconomyFixture, deployedInstance, Kind, NO_LIMITS } from "./economy.fixture";

describe("TemplateFactory", function () {
  describe("initialisation and implementations", function () {
    it("clones the four implementations in TemplateKind order", async function () {
      const f = await loadFixture(deployEconomyFixture);
      expect(await f.templateFactory.implementation(Kind.Transfer)).to.equal(f.implementations.TransferTemplate);
      expect(await f.templateFactory.implementation(Kind.Vesting)).to.equal(f.implementations.VestingTemplate);
      expect(await f.templateFactory.implementation(Kind.Stake)).to.equal(f.implementations.StakeTemplate);
      expect(await f.templateFactory.implementation(Kind.Burn)).to.equal(f.implementations.BurnTemplate);
      expect(await f.templateFactory.instanceCount()).to.equal(0n);
    });

    it("the proxy cannot be initialised again; the implementation never", async function () {
      const f = await loadFixture(deployEconomyFixture);
      const impls: [string, string, string, string] = [
        f.implementations.TransferTemplate,
        f.implementations.VestingTemplate,
        f.implementations.StakeTemplate,
        f.implementations.BurnTemplate,
      ];
      await expect(f.templateFactory.initialize(f.holder.address, impls)).to.be.revertedWithCustomError(f.templateFactory, "InvalidInitialization");
      const implAddress = await upgrades.erc1967.getImplementationAddress(await f.templateFactory.getAddress());
      const impl = await ethers.getContractAt("TemplateFactory", implAddress);
      await expect(impl.initialize(f.holder.address, impls)).to.be.revertedWithCustomError(impl, "InvalidInitialization");
    });

    it("initialize refuses a zero admin and implementations of the wrong kind", async function () {
      const f = await loadFixture(deployEconomyFixture);
      const Factory = await ethers.getContractFactory("TemplateFactory");
      const impls: [string, string, string, string] = [
        f.implementations.TransferTemplate,
        f.implementations.VestingTemplate,
        f.implementations.StakeTemplate,
        f.implementations.BurnTemplate,
      ];
      await expect(upgrades.deployProxy(Factory, [ethers.ZeroAddress, impls], { kind: "uups" }))
        .to.be.revertedWithCustomError(Factory, "SystemContractZeroAddress")
        .withArgs("admin");
      const swapped = [impls[1]!, impls[0]!, impls[2]!, impls[3]!];
      await expect(upgrades.deployProxy(Factory, [f.holder.address, swapped], { kind: "uups" }))
        .to.be.revertedWithCustomError(Factory, "TemplateFactoryWrongKind")
        .withArgs(impls[1], Kind.Transfer);
    });

    it("governance sets an implementation for future instances (ImplementationSet)", async function () {
      const f = await loadFixture(deployEconomyFixture);
      const fresh = await (await ethers.getContractFactory("TransferTemplate")).deploy();
      const old = await f.templateFactory.connect(f.cp).deployTransfer.staticCall(await f.token.getAddress(), 0, ethers.ZeroAddress, NO_LIMITS);
      await f.templateFactory.connect(f.cp).deployTransfer(await f.token.getAddress(), 0, ethers.ZeroAddress, NO_LIMITS);
      await expect(f.templateFactory.connect(f.governance).setImplementation(Kind.Transfer, await fresh.getAddress()))
        .to.emit(f.templateFactory, "ImplementationSet")
        .withArgs(Kind.Transfer, await fresh.getAddress());
      expect(await f.templateFactory.implementation(Kind.Transfer)).to.equal(await fresh.getAddress());
      // the existing instance is unaffected; a new one clones the new implementation (EIP-1167 code embeds it)
      expect(await (await ethers.getContractAt("TransferTemplate", old)).kind()).to.equal(Kind.Transfer);
      const created = await deployedInstance(
        f.templateFactory,
        f.templateFactory.connect(f.cp).deployTransfer(await f.token.getAddress(), 0, ethers.ZeroAddress, NO_LIMITS),
      );
      const code = await ethers.provider.getCode(created);
      expect(code.toLowerCase()).to.contain((await fresh.getAddress()).slice(2).toLowerCase());
    });

    it("setImplementation is governance's and checks the kind and the code", async function () {
      const f = await loadFixture(deployEconomyFixture);
      const GOV = await f.templateFactory.GOVERNANCE_ROLE();
      await expect(f.templateFactory.connect(f.cp).setImplementation(Kind.Burn, f.implementations.BurnTemplate))
        .to.be.revertedWithCustomError(f.templateFactory, "AccessControlUnauthorizedAccount")
        .withArgs(f.cp.address, GOV);
      await expect(f.templateFactory.connect(f.governance).setImplementation(Kind.Burn, f.implementations.StakeTemplate))
        .to.be.revertedWithCustomError(f.templateFactory, "TemplateFactoryWrongKind")
        .withArgs(f.implementations.StakeTemplate, Kind.Burn);
      // a contract that is not a template at all
      await expect(f.templateFactory.connect(f.governance).setImplementation(Kind.Burn, await f.token.getAddress()))
        .to.be.revertedWithCustomError(f.templateFactory, "TemplateFactoryWrongKind")
        .withArgs(await f.token.getAddress(), Kind.Burn);
      await expect(f.templateFactory.connect(f.governance).setImplementation(Kind.Burn, f.users[0]!.address))
        .to.be.revertedWithCustomError(f.templateFactory, "TemplateFactoryNotContract")
        .withArgs(f.users[0]!.address);
    });
  });

  describe("deployments", function () {
    it("each kind emits TemplateDeployed(kind, instance, owner, token), is owned by the caller and registered", async function () {
      const f = await loadFixture(deployEconomyFixture);
      const token = await f.token.getAddress();
      await f.token.connect(f.pd).approve(await f.templateFactory.getAddress(), 100n);
      const calls = [
        { kind: Kind.Transfer, send: () => f.templateFactory.connect(f.pd).deployTransfer(token, 50, f.pd.address, NO_LIMITS) },
        {
          kind: Kind.Vesting,
          send: () =>
            f.templateFactory
              .connect(f.pd)
              .deployVesting(token, { beneficiary: f.users[0]!.address, start: 1, cliff: 0, duration: 1, revocable: false }, 100n, NO_LIMITS),
        },
        { kind: Kind.Stake, send: () => f.templateFactory.connect(f.pd).deployStake(token, 60, NO_LIMITS) },
        { kind: Kind.Burn, send: () => f.templateFactory.connect(f.pd).deployBurn(token, NO_LIMITS) },
      ];
      let count = 0n;
      for (const c of calls) {
        const tx = c.send();
        const instance = await deployedInstance(f.templateFactory, tx);
        await expect(tx).to.emit(f.templateFactory, "TemplateDeployed").withArgs(c.kind, instance, f.pd.address, token);
        const t = await ethers.getContractAt("Template", instance);
        expect(await t.owner()).to.equal(f.pd.address);
        expect(await t.kind()).to.equal(c.kind);
        expect(await f.templateFactory.templateKindOf(instance)).to.deep.equal([true, BigInt(c.kind)]);
        expect(await f.templateFactory.instanceCount()).to.equal(++count);
      }
      expect(await f.templateFactory.templateKindOf(f.users[0]!.address)).to.deep.equal([false, 0n]);
    });

    it("anyone may deploy (no role needed)", async function () {
      const f = await loadFixture(deployEconomyFixture);
      const outsider = f.users[3]!;
      await expect(f.templateFactory.connect(outsider).deployBurn(await f.token.getAddress(), NO_LIMITS)).to.emit(f.templateFactory, "TemplateDeployed");
    });

    it("refuses a token without code, for every kind", async function () {
      const f = await loadFixture(deployEconomyFixture);
      const eoa = f.users[0]!.address;
      const s = { beneficiary: eoa, start: 0, cliff: 0, duration: 1, revocable: false };
      for (const send of [
        () => f.templateFactory.deployTransfer(eoa, 0, ethers.ZeroAddress, NO_LIMITS),
        () => f.templateFactory.deployVesting(eoa, s, 1n, NO_LIMITS),
        () => f.templateFactory.deployStake(eoa, 0, NO_LIMITS),
        () => f.templateFactory.deployBurn(ethers.ZeroAddress, NO_LIMITS),
      ]) {
        await expect(send()).to.be.revertedWithCustomError(f.templateFactory, "TemplateFactoryNotContract");
      }
    });

    it("initial limits are applied to the instance", async function () {
      const f = await loadFixture(deployEconomyFixture);
      const limits = { maxPerTransfer: 7n, maxPerDayCount: 3n, maxPerDayAmount: 20n };
      const tx = f.templateFactory.connect(f.cp).deployStake(await f.token.getAddress(), 0, limits);
      const t = await ethers.getContractAt("Template", await deployedInstance(f.templateFactory, tx));
      await expect(tx).to.emit(t, "LimitsSet").withArgs(7n, 3n, 20n);
      const l = await t.limits();
      expect([l.maxPerTransfer, l.maxPerDayCount, l.maxPerDayAmount]).to.deep.equal([7n, 3n, 20n]);
    });
  });

  describe("pause", function () {
    it("the council pauses new deployments; only governance unpauses; existing instances keep working", async function () {
      const f = await loadFixture(deployEconomyFixture);
      const token = await f.token.getAddress();
      const burn = await ethers.getContractAt(
        "BurnTemplate",
        await deployedInstance(f.templateFactory, f.templateFactory.connect(f.cp).deployBurn(token, NO_LIMITS)),
      );
      await expect(f.templateFactory.connect(f.cp).pause())
        .to.be.revertedWithCustomError(f.templateFactory, "AccessControlUnauthorizedAccount")
        .withArgs(f.cp.address, await f.templateFactory.PAUSER_ROLE());
      await expect(f.templateFactory.connect(f.councilContract).pause()).to.emit(f.templateFactory, "Paused");
      await expect(f.templateFactory.connect(f.cp).deployTransfer(token, 0, ethers.ZeroAddress, NO_LIMITS)).to.be.revertedWithCustomError(
        f.templateFactory,
        "EnforcedPause",
      );
      await expect(f.templateFactory.connect(f.cp).deployVesting(token, { beneficiary: f.cp.address, start: 0, cliff: 0, duration: 1, revocable: false }, 1n, NO_LIMITS)).to.be.revertedWithCustomError(f.templateFactory, "EnforcedPause");
      await expect(f.templateFactory.connect(f.cp).deployStake(token, 0, NO_LIMITS)).to.be.revertedWithCustomError(f.templateFactory, "EnforcedPause");
      await expect(f.templateFactory.connect(f.cp).deployBurn(token, NO_LIMITS)).to.be.revertedWithCustomError(f.templateFactory, "EnforcedPause");
      await f.token.connect(f.users[0]!).approve(await burn.getAddress(), 1n);
      await expect(burn.connect(f.users[0]!).burn(1n)).to.emit(burn, "Burned");
      await expect(f.templateFactory.connect(f.councilContract).unpause()).to.be.revertedWithCustomError(
        f.templateFactory,
        "AccessControlUnauthorizedAccount",
      );
      await expect(f.templateFactory.connect(f.governance).unpause()).to.emit(f.templateFactory, "Unpaused");
      await expect(f.templateFactory.connect(f.cp).deployBurn(token, NO_LIMITS)).to.emit(f.templateFactory, "TemplateDeployed");
    });
  });

  describe("upgrades", function () {
    it("passes the upgrade-safety validation as a UUPS implementation", async function () {
      await upgrades.validateImplementation(await ethers.getContractFactory("TemplateFactory"), { kind: "uups" });
    });

    it("governance upgrades it through the storage-layout check (upgradeProxy) and state survives", async function () {
      const f = await loadFixture(deployEconomyFixture);
      const proxy = await f.templateFactory.getAddress();
      await f.templateFactory.connect(f.cp).deployBurn(await f.token.getAddress(), NO_LIMITS);
      const V2 = await ethers.getContractFactory("TemplateFactoryV2Mock", f.governance);
      const upgraded = await upgrades.upgradeProxy(proxy, V2, { kind: "uups", call: { fn: "initializeV2" } });
      expect(await upgraded.getFunction("version")()).to.equal("2");
      expect(await f.templateFactory.instanceCount()).to.equal(1n);
      expect(await f.templateFactory.implementation(Kind.Burn)).to.equal(f.implementations.BurnTemplate);
    });

    it("only governance can upgrade", async function () {
      const f = await loadFixture(deployEconomyFixture);
      const V2 = await ethers.getContractFactory("TemplateFactoryV2Mock", f.cp);
      await expect(upgrades.upgradeProxy(await f.templateFactory.getAddress(), V2, { kind: "uups" }))
        .to.be.revertedWithCustomError(f.templateFactory, "AccessControlUnauthorizedAccount")
        .withArgs(f.cp.address, await f.templateFactory.GOVERNANCE_ROLE());
    });

    it("an implementation that reorders the namespaced storage is refused", async function () {
      const f = await loadFixture(deployEconomyFixture);
      let message = "";
      try {
        await upgrades.validateUpgrade(await f.templateFactory.getAddress(), await ethers.getContractFactory("TemplateFactoryLayoutBreakMock"), {
          kind: "uups",
        });
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).to.match(/New storage layout is incompatible/);
    });
  });
});
