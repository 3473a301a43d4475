import { expect } from "chai";
import { ethers, upgrades } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deploySystemFixture } from "../../fixtures/system";
import { E, MAIN, deployMainTokenFixture, issueMainToken } from "./token.fixture";

describe("MainTokenFactory", function () {
  describe("setup", function () {
    it("is wired to the registry, owns a beacon pointing at the MainToken implementation and starts empty", async function () {
      const f = await loadFixture(deploySystemFixture);
      const factory = f.mainTokenFactory;
      expect(await factory.cpRegistry()).to.equal(await f.chainRegistry.getAddress());
      expect(await factory.CP_ROLE()).to.equal(await f.chainRegistry.CP_ROLE());
      const beacon = await ethers.getContractAt("UpgradeableBeacon", await factory.beacon());
      expect(await beacon.owner()).to.equal(await factory.getAddress());
      expect(await beacon.implementation()).to.equal(f.manifest.contracts.MainToken!.address);
      expect(await factory.tokens()).to.deep.equal([]);
    });

    it("gives GOVERNANCE_ROLE to the timelock and PAUSER_ROLE to the council contract, none to the deployer", async function () {
      const f = await loadFixture(deploySystemFixture);
      const factory = f.mainTokenFactory;
      const GOV = await factory.GOVERNANCE_ROLE();
      const PAUSER = await factory.PAUSER_ROLE();
      expect(await factory.hasRole(GOV, await f.timelock.getAddress())).to.equal(true);
      expect(await factory.hasRole(PAUSER, await f.council.getAddress())).to.equal(true);
      expect(await factory.hasRole(GOV, f.deployer.address)).to.equal(false);
      for (const m of f.councilSigners) expect(await factory.hasRole(PAUSER, m.address)).to.equal(false);
    });
  });

  describe("issueMainToken", function () {
    it("lets a consortium partner issue a token and emits MainTokenIssued with every argument", async function () {
      const f = await loadFixture(deploySystemFixture);
      const factory = f.mainTokenFactory.connect(f.deployer);
      const predicted = await factory.issueMainToken.staticCall(MAIN.name, MAIN.symbol, MAIN.decimals, MAIN.initialSupply, MAIN.cap);
      await expect(factory.issueMainToken(MAIN.name, MAIN.symbol, MAIN.decimals, MAIN.initialSupply, MAIN.cap))
        .to.emit(factory, "MainTokenIssued")
        .withArgs(predicted, f.deployer.address, MAIN.name, MAIN.symbol, MAIN.decimals, MAIN.initialSupply, MAIN.cap);
      expect(await factory.tokens()).to.deep.equal([predicted]);
      expect(await factory.isMainToken(predicted)).to.equal(true);
    });

    it("initialises the token: name, symbol, decimals, supply to the issuer, cap, issuer and factory", async function () {
      const f = await loadFixture(deploySystemFixture);
      const { token } = await issueMainToken(f, f.deployer);
      expect(await token.name()).to.equal(MAIN.name);
      expect(await token.symbol()).to.equal(MAIN.symbol);
      expect(await token.decimals()).to.equal(MAIN.decimals);
      expect(await token.totalSupply()).to.equal(MAIN.initialSupply);
      expect(await token.balanceOf(f.deployer.address)).to.equal(MAIN.initialSupply);
      expect(await token.cap()).to.equal(MAIN.cap);
      expect(await token.issuer()).to.equal(f.deployer.address);
      expect(await token.factory()).to.equal(await f.mainTokenFactory.getAddress());
      expect(await token.paused()).to.equal(false);
    });

    it("mints the initial supply to the issuer with a Transfer from the zero address", async function () {
      const f = await loadFixture(deploySystemFixture);
      const factory = f.mainTokenFactory;
      const predicted = await factory.issueMainToken.staticCall("T", "T", 18, 5n * E, 10n * E);
      const token = await ethers.getContractAt("MainToken", predicted);
      await expect(factory.issueMainToken("T", "T", 18, 5n * E, 10n * E))
        .to.emit(token, "Transfer")
        .withArgs(ethers.ZeroAddress, f.deployer.address, 5n * E);
    });

    it("issues each token as a beacon proxy of the factory's beacon", async function () {
      const f = await loadFixture(deploySystemFixture);
      const { token } = await issueMainToken(f, f.deployer);
      const tokenAddress = await token.getAddress();
      expect(await upgrades.erc1967.getBeaconAddress(tokenAddress)).to.equal(await f.mainTokenFactory.beacon());
    });

    it("lists every issued token in order and reports non-issued addresses as not main tokens", async function () {
      const f = await loadFixture(deploySystemFixture);
      const a = await issueMainToken(f, f.deployer, { ...MAIN, symbol: "AAA" });
      const b = await issueMainToken(f, f.deployer, { ...MAIN, symbol: "BBB" });
      const addrs = [await a.token.getAddress(), await b.token.getAddress()];
      expect(addrs[0]).to.not.equal(addrs[1]);
      expect(await f.mainTokenFactory.tokens()).to.deep.equal(addrs);
      expect(await f.mainTokenFactory.isMainToken(f.outsiders[0]!.address)).to.equal(false);
      expect(await f.mainTokenFactory.isMainToken(await f.stakingToken.getAddress())).to.equal(false);
      expect(await f.mainTokenFactory.isMainToken(ethers.ZeroAddress)).to.equal(false);
    });

    it("records the caller as issuer when another account is granted CP_ROLE by governance", async function () {
      const f = await loadFixture(deployMainTokenFixture);
      const cp2 = f.outsiders[3]!;
      await f.chainRegistry.connect(f.gov).grantRole(await f.chainRegistry.CP_ROLE(), cp2.address);
      const { token } = await issueMainToken(f, cp2, { ...MAIN, symbol: "CP2", initialSupply: 7n * E });
      expect(await token.issuer()).to.equal(cp2.address);
      expect(await token.balanceOf(cp2.address)).to.equal(7n * E);
    });

    it("accepts the bounds: zero decimals, 36 decimals, zero initial supply and initial supply equal to the cap", async function () {
      const f = await loadFixture(deploySystemFixture);
      const zeroDec = await issueMainToken(f, f.deployer, { name: "Z", symbol: "Z", decimals: 0, initialSupply: 1n, cap: 1n });
      expect(await zeroDec.token.decimals()).to.equal(0n);
      expect(await zeroDec.token.totalSupply()).to.equal(1n);
      const maxDec = await issueMainToken(f, f.deployer, { name: "M", symbol: "M", decimals: 36, initialSupply: 0n, cap: 10n ** 40n });
      expect(await maxDec.token.decimals()).to.equal(36n);
      expect(await maxDec.token.totalSupply()).to.equal(0n);
      expect(await maxDec.token.balanceOf(f.deployer.address)).to.equal(0n);
    });

    it("reverts MainTokenFactoryNotConsortiumPartner for a caller without CP_ROLE", async function () {
      const f = await loadFixture(deploySystemFixture);
      const outsider = f.outsiders[0]!;
      await expect(f.mainTokenFactory.connect(outsider).issueMainToken("T", "T", 18, 0n, 1n))
        .to.be.revertedWithCustomError(f.mainTokenFactory, "MainTokenFactoryNotConsortiumPartner")
        .withArgs(outsider.address);
    });

    it("does not accept CP_ROLE held on the factory itself (only the registry's role counts)", async function () {
      const f = await loadFixture(deployMainTokenFixture);
      const outsider = f.outsiders[0]!;
      await f.mainTokenFactory.connect(f.gov).grantRole(await f.mainTokenFactory.CP_ROLE(), outsider.address);
      await expect(f.mainTokenFactory.connect(outsider).issueMainToken("T", "T", 18, 0n, 1n))
        .to.be.revertedWithCustomError(f.mainTokenFactory, "MainTokenFactoryNotConsortiumPartner")
        .withArgs(outsider.address);
    });

    it("stops a CP whose CP_ROLE governance revoked", async function () {
      const f = await loadFixture(deployMainTokenFixture);
      await f.chainRegistry.connect(f.gov).revokeRole(await f.chainRegistry.CP_ROLE(), f.deployer.address);
      await expect(f.mainTokenFactory.issueMainToken("T", "T", 18, 0n, 1n))
        .to.be.revertedWithCustomError(f.mainTokenFactory, "MainTokenFactoryNotConsortiumPartner")
        .withArgs(f.deployer.address);
    });

    it("checks CP_ROLE before the token parameters", async function () {
      const f = await loadFixture(deploySystemFixture);
      await expect(f.mainTokenFactory.connect(f.outsiders[0]!).issueMainToken("", "", 255, 2n, 0n))
        .to.be.revertedWithCustomError(f.mainTokenFactory, "MainTokenFactoryNotConsortiumPartner")
        .withArgs(f.outsiders[0]!.address);
    });

    const invalid: [string, [string, string, number, bigint, bigint]][] = [
      ["empty name", ["", "T", 18, 0n, 1n]],
      ["empty symbol", ["T", "", 18, 0n, 1n]],
      ["decimals above 36", ["T", "T", 37, 0n, 1n]],
      ["zero cap", ["T", "T", 18, 0n, 0n]],
      ["initial supply above cap", ["T", "T", 18, 1_001n, 1_000n]],
    ];
    for (const [reason, args] of invalid) {
      it(`reverts MainTokenFactoryInvalidToken("${reason}")`, async function () {
        const f = await loadFixture(deploySystemFixture);
        await expect(f.mainTokenFactory.issueMainToken(...args))
          .to.be.revertedWithCustomError(f.mainTokenFactory, "MainTokenFactoryInvalidToken")
          .withArgs(reason);
        expect(await f.mainTokenFactory.tokens()).to.deep.equal([]);
      });
    }

    it("reports the gas of issueMainToken (informational)", async function () {
      const f = await loadFixture(deployMainTokenFixture);
      expect(f.issueGas).to.be.greaterThan(0n);
      console.log(`      gas: issueMainToken = ${f.issueGas}`);
    });
  });

  describe("pause", function () {
    it("lets the council contract (PAUSER_ROLE) pause issuing: issueMainToken reverts EnforcedPause", async function () {
      const f = await loadFixture(deployMainTokenFixture);
      await expect(f.mainTokenFactory.connect(f.councilAsSigner).pause())
        .to.emit(f.mainTokenFactory, "Paused")
        .withArgs(await f.council.getAddress());
      await expect(f.mainTokenFactory.issueMainToken("T", "T", 18, 0n, 1n)).to.be.revertedWithCustomError(
        f.mainTokenFactory,
        "EnforcedPause",
      );
    });

    it("is paused by a 3-of-5 council action end to end", async function () {
      const f = await loadFixture(deployMainTokenFixture);
      const [m0, m1, m2] = f.councilSigners;
      const target = await f.mainTokenFactory.getAddress();
      const id = await f.council.connect(m0!).submitPause.staticCall(target);
      await f.council.connect(m0!).submitPause(target);
      await f.council.connect(m1!).approve(id);
      await expect(f.council.connect(m2!).approve(id)).to.emit(f.mainTokenFactory, "Paused");
      expect(await f.mainTokenFactory.paused()).to.equal(true);
    });

    it("rejects pause by a council member EOA or an outsider (AccessControlUnauthorizedAccount)", async function () {
      const f = await loadFixture(deployMainTokenFixture);
      for (const s of [f.councilSigners[0]!, f.outsiders[0]!]) {
        await expect(f.mainTokenFactory.connect(s).pause())
          .to.be.revertedWithCustomError(f.mainTokenFactory, "AccessControlUnauthorizedAccount")
          .withArgs(s.address, await f.mainTokenFactory.PAUSER_ROLE());
      }
    });

    it("can be unpaused only by governance; issuing works again afterwards", async function () {
      const f = await loadFixture(deployMainTokenFixture);
      await f.mainTokenFactory.connect(f.councilAsSigner).pause();
      await expect(f.mainTokenFactory.connect(f.councilAsSigner).unpause())
        .to.be.revertedWithCustomError(f.mainTokenFactory, "AccessControlUnauthorizedAccount")
        .withArgs(await f.council.getAddress(), await f.mainTokenFactory.GOVERNANCE_ROLE());
      await expect(f.mainTokenFactory.connect(f.gov).unpause())
        .to.emit(f.mainTokenFactory, "Unpaused")
        .withArgs(await f.timelock.getAddress());
      await expect(f.mainTokenFactory.issueMainToken("T", "T", 18, 0n, 1n)).to.emit(f.mainTokenFactory, "MainTokenIssued");
    });

    it("does not pause already issued tokens (a token has its own pause)", async function () {
      const f = await loadFixture(deployMainTokenFixture);
      await f.mainTokenFactory.connect(f.gov).pause();
      expect(await f.token.paused()).to.equal(false);
      await expect(f.token.connect(f.alice).transfer(f.bob.address, 1n)).to.changeTokenBalances(f.token, [f.alice, f.bob], [-1n, 1n]);
    });
  });

  describe("upgradeTokens (beacon upgrade)", function () {
    it("validates a new MainToken implementation for a beacon", async function () {
      const MainToken = await ethers.getContractFactory("MainToken");
      await upgrades.validateImplementation(MainToken, { kind: "beacon" });
      await upgrades.validateUpgrade(MainToken, MainToken, { kind: "beacon" });
    });

    it("lets governance point the beacon at a new implementation, upgrading every token; state survives", async function () {
      const f = await loadFixture(deployMainTokenFixture);
      const cp2 = f.outsiders[3]!;
      await f.chainRegistry.connect(f.gov).grantRole(await f.chainRegistry.CP_ROLE(), cp2.address);
      const second = (await issueMainToken(f, cp2, { name: "Second", symbol: "SEC", decimals: 6, initialSupply: 500n, cap: 1_000n })).token;

      const MainToken = await ethers.getContractFactory("MainToken");
      await upgrades.validateImplementation(MainToken, { kind: "beacon" });
      const newImpl = await (await MainToken.deploy()).waitForDeployment();
      const newImplAddress = await newImpl.getAddress();
      const beaconAddress = await f.mainTokenFactory.beacon();
      const oldImpl = await upgrades.beacon.getImplementationAddress(beaconAddress);
      expect(oldImpl).to.not.equal(newImplAddress);

      const before = {
        deployer: await f.token.balanceOf(f.deployer.address),
        alice: await f.token.balanceOf(f.alice.address),
        supply: await f.token.totalSupply(),
        cp2: await second.balanceOf(cp2.address),
      };

      await expect(f.mainTokenFactory.connect(f.gov).upgradeTokens(newImplAddress))
        .to.emit(f.mainTokenFactory, "MainTokenImplementationUpgraded")
        .withArgs(newImplAddress);

      const beacon = await ethers.getContractAt("UpgradeableBeacon", beaconAddress);
      expect(await beacon.implementation()).to.equal(newImplAddress);
      expect(await upgrades.beacon.getImplementationAddress(beaconAddress)).to.equal(newImplAddress);
      for (const t of [f.token, second]) {
        expect(await upgrades.erc1967.getBeaconAddress(await t.getAddress())).to.equal(beaconAddress);
      }

      expect(await f.token.balanceOf(f.deployer.address)).to.equal(before.deployer);
      expect(await f.token.balanceOf(f.alice.address)).to.equal(before.alice);
      expect(await f.token.totalSupply()).to.equal(before.supply);
      expect(await f.token.name()).to.equal(MAIN.name);
      expect(await f.token.symbol()).to.equal(MAIN.symbol);
      expect(await f.token.decimals()).to.equal(MAIN.decimals);
      expect(await f.token.cap()).to.equal(MAIN.cap);
      expect(await f.token.issuer()).to.equal(f.deployer.address);
      expect(await f.token.factory()).to.equal(await f.mainTokenFactory.getAddress());
      expect(await second.balanceOf(cp2.address)).to.equal(before.cp2);
      expect(await second.issuer()).to.equal(cp2.address);
      expect(await second.decimals()).to.equal(6n);

      // Both tokens still work through the new implementation.
      await expect(f.token.connect(f.alice).transfer(f.bob.address, 3n)).to.changeTokenBalances(f.token, [f.alice, f.bob], [-3n, 3n]);
      await expect(second.connect(cp2).mint(f.bob.address, 500n)).to.changeTokenBalance(second, f.bob, 500n);
    });

    it("makes tokens issued after the upgrade follow the new implementation too", async function () {
      const f = await loadFixture(deployMainTokenFixture);
      const newImpl = await (await (await ethers.getContractFactory("MainToken")).deploy()).waitForDeployment();
      await f.mainTokenFactory.connect(f.gov).upgradeTokens(await newImpl.getAddress());
      const { token } = await issueMainToken(f, f.deployer, { ...MAIN, symbol: "NEW" });
      expect(await token.symbol()).to.equal("NEW");
      expect(await upgrades.erc1967.getBeaconAddress(await token.getAddress())).to.equal(await f.mainTokenFactory.beacon());
    });

    it("rejects upgradeTokens by an outsider, the council or the deployer (AccessControlUnauthorizedAccount)", async function () {
      const f = await loadFixture(deployMainTokenFixture);
      const newImpl = await (await (await ethers.getContractFactory("MainToken")).deploy()).waitForDeployment();
      const GOV = await f.mainTokenFactory.GOVERNANCE_ROLE();
      for (const s of [f.outsiders[0]!, f.councilAsSigner, f.deployer]) {
        await expect(f.mainTokenFactory.connect(s).upgradeTokens(await newImpl.getAddress()))
          .to.be.revertedWithCustomError(f.mainTokenFactory, "AccessControlUnauthorizedAccount")
          .withArgs(s.address, GOV);
      }
    });

    it("rejects an implementation without code (BeaconInvalidImplementation)", async function () {
      const f = await loadFixture(deployMainTokenFixture);
      const beacon = await ethers.getContractAt("UpgradeableBeacon", await f.mainTokenFactory.beacon());
      const eoa = f.outsiders[9]!.address;
      await expect(f.mainTokenFactory.connect(f.gov).upgradeTokens(eoa))
        .to.be.revertedWithCustomError(beacon, "BeaconInvalidImplementation")
        .withArgs(eoa);
    });

    it("does not let anyone but the factory upgrade the beacon directly", async function () {
      const f = await loadFixture(deployMainTokenFixture);
      const beacon = await ethers.getContractAt("UpgradeableBeacon", await f.mainTokenFactory.beacon());
      const newImpl = await (await (await ethers.getContractFactory("MainToken")).deploy()).waitForDeployment();
      for (const s of [f.gov, f.deployer]) {
        await expect(beacon.connect(s).upgradeTo(await newImpl.getAddress()))
          .to.be.revertedWithCustomError(beacon, "OwnableUnauthorizedAccount")
          .withArgs(s.address);
      }
    });
  });

  describe("initialisation", function () {
    it("cannot be initialised again through the proxy", async function () {
      const f = await loadFixture(deploySystemFixture);
      await expect(
        f.mainTokenFactory.initialize(f.deployer.address, f.manifest.contracts.MainToken!.address, await f.chainRegistry.getAddress()),
      ).to.be.revertedWithCustomError(f.mainTokenFactory, "InvalidInitialization");
    });

    it("has an implementation that cannot be initialised", async function () {
      const f = await loadFixture(deploySystemFixture);
      const implAddress = await upgrades.erc1967.getImplementationAddress(await f.mainTokenFactory.getAddress());
      const impl = await ethers.getContractAt("MainTokenFactory", implAddress);
      await expect(
        impl.initialize(f.deployer.address, f.manifest.contracts.MainToken!.address, await f.chainRegistry.getAddress()),
      ).to.be.revertedWithCustomError(impl, "InvalidInitialization");
    });
  });
});
