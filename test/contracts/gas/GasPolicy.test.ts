import { expect } from "chai";
import hre, { ethers, upgrades } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ContractTransactionResponse } from "ethers";
import { ConfigError, DEFAULT_GAS_POLICY, type GasPolicyParams, type GasSponsorConfig } from "../../../deploy/config";
import { deployGasPolicy, gasPolicyParamsTuple } from "../../../deploy/gas";
import { deploySystemFixture, impersonate, passProposal, type SystemFixture } from "../../fixtures/system";
import type { GasPolicy } from "../../../typechain-types";

const { ExecutedGas, Reverts, Rejections } = { ExecutedGas: 0, Reverts: 1, Rejections: 2 } as const;
const WINDOW = BigInt(DEFAULT_GAS_POLICY.windowSeconds);
const BLACKLIST_SECONDS = BigInt(DEFAULT_GAS_POLICY.reportBlacklistSeconds);

interface GasFixture extends SystemFixture {
  /** The gas policy deployed by deploySystem (deploy/gas.ts), connected to the deployer (no role left). */
  policy: GasPolicy;
  /** The policy connected to the timelock (governance), impersonated. */
  gov: GasPolicy;
  /** Admin of the sponsor registered by the fixture (number 1). */
  sponsorAdmin: HardhatEthersSigner;
  outsider: HardhatEthersSigner;
  /** A sponsored contract and a sponsored account of sponsor 1, and an unrelated account. */
  dapp: string;
  user: string;
  stranger: string;
}

/** A distinct, deterministic address (`0x…0001`, `0x…0002`, …) that no test signer holds. */
function addr(n: number): string {
  return ethers.getAddress(ethers.toBeHex(0xa000_0000 + n, 20));
}

function addrs(count: number, from = 1000): string[] {
  return Array.from({ length: count }, (_, i) => addr(from + i));
}

/** The system (which includes the gas policy) with sponsor 1 "Game" holding one contract and one account. */
async function gasFixture(): Promise<GasFixture> {
  const f = await deploySystemFixture();
  const policy = f.gasPolicy.connect(f.deployer);
  const gov = policy.connect(await impersonate(await f.timelock.getAddress()));
  const sponsorAdmin = f.outsiders[0]!;
  const outsider = f.outsiders[1]!;
  const dapp = addr(1);
  const user = addr(2);
  const stranger = addr(3);
  await (await gov.registerSponsor("Game", sponsorAdmin.address, 1_000_000_000n)).wait();
  await (await policy.connect(sponsorAdmin).setSponsoredContracts(1, [dapp], true)).wait();
  await (await policy.connect(sponsorAdmin).setSponsoredAccounts(1, [user], true)).wait();
  return { ...f, policy, gov, sponsorAdmin, outsider, dapp, user, stranger };
}

/** Moves time to the start of the next window (so a test's reports all fall in one window); returns its number. */
async function startOfNextWindow(): Promise<bigint> {
  const w = BigInt(await time.latest()) / WINDOW + 1n;
  await time.increaseTo(w * WINDOW);
  return w;
}

async function blockTime(tx: ContractTransactionResponse): Promise<bigint> {
  const receipt = await tx.wait();
  return BigInt((await ethers.provider.getBlock(receipt!.blockNumber))!.timestamp);
}

function params(over: Partial<GasPolicyParams> = {}): ReturnType<typeof gasPolicyParamsTuple> {
  return gasPolicyParamsTuple({ ...DEFAULT_GAS_POLICY, ...over });
}

/** The params struct as the contract returns it, in field order. */
function paramsArray(p: GasPolicyParams): bigint[] {
  const t = gasPolicyParamsTuple(p);
  return [t.windowSeconds, t.maxTxGas, t.defaultAccountQuota, t.unsponsoredShareBps, t.abuseGasPerWindow, t.abuseRevertsPerWindow, t.abuseRejectionsPerWindow, t.reportBlacklistSeconds].map(
    (v) => BigInt(v),
  );
}

describe("GasPolicy", function () {
  describe("deployment and roles", function () {
    it("is deployed by deploySystem with the configured parameters and belongs to governance", async function () {
      const f = await loadFixture(gasFixture);
      const timelock = await f.timelock.getAddress();
      expect(f.manifest.contracts.GasPolicy?.address).to.equal(await f.policy.getAddress());
      expect(await f.policy.params()).to.deep.equal(paramsArray(f.config.gasPolicy));
      expect(await f.policy.validatorSet()).to.equal(await f.validatorSet.getAddress());
      expect(await f.policy.hasRole(await f.policy.GOVERNANCE_ROLE(), timelock)).to.equal(true);
      expect(await f.policy.hasRole(await f.policy.DEFAULT_ADMIN_ROLE(), timelock)).to.equal(true);
      expect(await f.policy.hasRole(await f.policy.PAUSER_ROLE(), await f.council.getAddress())).to.equal(true);
      expect(await f.policy.hasRole(await f.policy.GOVERNANCE_ROLE(), f.deployer.address)).to.equal(false);
      expect(await f.policy.hasRole(await f.policy.DEFAULT_ADMIN_ROLE(), f.deployer.address)).to.equal(false);
    });

    it("cannot be initialised twice, nor its implementation at all", async function () {
      const f = await loadFixture(gasFixture);
      const vs = await f.validatorSet.getAddress();
      await expect(f.policy.initialize(f.deployer.address, vs, params())).to.be.revertedWithCustomError(f.policy, "InvalidInitialization");
      const impl = await ethers.getContractAt("GasPolicy", await upgrades.erc1967.getImplementationAddress(await f.policy.getAddress()));
      await expect(impl.initialize(f.deployer.address, vs, params())).to.be.revertedWithCustomError(impl, "InvalidInitialization");
    });

    it("rejects a zero admin or validator set (SystemContractZeroAddress) and invalid parameters at initialisation", async function () {
      const [deployer] = await ethers.getSigners();
      const factory = await ethers.getContractFactory("GasPolicy");
      await expect(upgrades.deployProxy(factory, [ethers.ZeroAddress, deployer!.address, params()], { kind: "uups" }))
        .to.be.revertedWithCustomError(factory, "SystemContractZeroAddress")
        .withArgs("admin");
      await expect(upgrades.deployProxy(factory, [deployer!.address, ethers.ZeroAddress, params()], { kind: "uups" }))
        .to.be.revertedWithCustomError(factory, "SystemContractZeroAddress")
        .withArgs("validatorSet");
      await expect(upgrades.deployProxy(factory, [deployer!.address, deployer!.address, params({ windowSeconds: 0 })], { kind: "uups" }))
        .to.be.revertedWithCustomError(factory, "GasPolicyInvalidParams")
        .withArgs("windowSeconds");
    });

    it("has an upgrade-safe storage layout and upgrades only by governance, keeping its state", async function () {
      const f = await loadFixture(gasFixture);
      const factory = await ethers.getContractFactory("GasPolicy");
      await upgrades.validateImplementation(factory, { kind: "uups" });
      await upgrades.validateUpgrade(await f.policy.getAddress(), factory, { kind: "uups" });
      const next = await (await factory.deploy()).getAddress();
      await expect(f.policy.connect(f.outsider).upgradeToAndCall(next, "0x"))
        .to.be.revertedWithCustomError(f.policy, "AccessControlUnauthorizedAccount")
        .withArgs(f.outsider.address, await f.policy.GOVERNANCE_ROLE());
      const version = await f.policy.version();
      await expect(f.gov.upgradeToAndCall(next, "0x")).to.emit(f.policy, "Upgraded").withArgs(next);
      expect(await upgrades.erc1967.getImplementationAddress(await f.policy.getAddress())).to.equal(next);
      expect(await f.policy.sponsoredContracts(1)).to.deep.equal([f.dapp]);
      expect(await f.policy.version()).to.equal(version);
    });

    it("pauses by governance or the council's role only, and unpauses by governance only", async function () {
      const f = await loadFixture(gasFixture);
      await expect(f.policy.connect(f.outsider).pause())
        .to.be.revertedWithCustomError(f.policy, "AccessControlUnauthorizedAccount")
        .withArgs(f.outsider.address, await f.policy.PAUSER_ROLE());
      await expect(f.gov.pause()).to.emit(f.policy, "Paused");
      await expect(f.policy.connect(f.outsider).unpause())
        .to.be.revertedWithCustomError(f.policy, "AccessControlUnauthorizedAccount")
        .withArgs(f.outsider.address, await f.policy.GOVERNANCE_ROLE());
      await expect(f.gov.unpause()).to.emit(f.policy, "Unpaused");
    });
  });

  describe("setParams", function () {
    it("sets the parameters (ParamsSet) and bumps the version", async function () {
      const f = await loadFixture(gasFixture);
      const p: GasPolicyParams = { ...DEFAULT_GAS_POLICY, windowSeconds: 600, maxTxGas: 21_000, defaultAccountQuota: 21_000, unsponsoredShareBps: 10_000, reportBlacklistSeconds: 1 };
      const version = await f.policy.version();
      await expect(f.gov.setParams(gasPolicyParamsTuple(p))).to.emit(f.policy, "ParamsSet").withArgs(paramsArray(p));
      expect(await f.policy.params()).to.deep.equal(paramsArray(p));
      expect(await f.policy.version()).to.equal(version + 1n);
      expect(await f.policy.currentWindow()).to.equal(BigInt(await time.latest()) / 600n);
    });

    it("accepts the edges of every range (30-day window, 1 bp)", async function () {
      const f = await loadFixture(gasFixture);
      await expect(f.gov.setParams(params({ windowSeconds: 30 * 86_400, unsponsoredShareBps: 1 }))).to.emit(f.policy, "ParamsSet");
    });

    const invalid: [string, Partial<GasPolicyParams>][] = [
      ["windowSeconds", { windowSeconds: 0 }],
      ["windowSeconds", { windowSeconds: 30 * 86_400 + 1 }],
      ["maxTxGas", { maxTxGas: 20_999 }],
      ["defaultAccountQuota", { maxTxGas: 1_000_000, defaultAccountQuota: 999_999 }],
      ["unsponsoredShareBps", { unsponsoredShareBps: 0 }],
      ["unsponsoredShareBps", { unsponsoredShareBps: 10_001 }],
      ["reportBlacklistSeconds", { reportBlacklistSeconds: 0 }],
    ];
    for (const [what, over] of invalid) {
      it(`rejects ${JSON.stringify(over)} (GasPolicyInvalidParams "${what}")`, async function () {
        const f = await loadFixture(gasFixture);
        await expect(f.gov.setParams(params(over))).to.be.revertedWithCustomError(f.policy, "GasPolicyInvalidParams").withArgs(what);
      });
    }

    it("is governance's only (AccessControlUnauthorizedAccount)", async function () {
      const f = await loadFixture(gasFixture);
      await expect(f.policy.connect(f.sponsorAdmin).setParams(params()))
        .to.be.revertedWithCustomError(f.policy, "AccessControlUnauthorizedAccount")
        .withArgs(f.sponsorAdmin.address, await f.policy.GOVERNANCE_ROLE());
    });

    it("passes through a governance proposal (propose, vote, queue, execute)", async function () {
      const f = await loadFixture(gasFixture);
      const p = { ...DEFAULT_GAS_POLICY, maxTxGas: 5_000_000 };
      await passProposal(f, [await f.policy.getAddress()], [0], [f.policy.interface.encodeFunctionData("setParams", [gasPolicyParamsTuple(p)])], "gas: smaller transactions");
      expect((await f.policy.params()).maxTxGas).to.equal(5_000_000n);
    });
  });

  describe("sponsors", function () {
    it("registers sponsors numbered from 1 (SponsorRegistered), active, with empty lists", async function () {
      const f = await loadFixture(gasFixture);
      const version = await f.policy.version();
      await expect(f.gov.registerSponsor("Shop", f.outsider.address, 5_000_000n)).to.emit(f.policy, "SponsorRegistered").withArgs(2, "Shop", f.outsider.address, 5_000_000n);
      expect(await f.policy.sponsorCount()).to.equal(2n);
      expect(await f.policy.sponsor(2)).to.deep.equal(["Shop", f.outsider.address, 5_000_000n, true, 0n, 0n]);
      expect(await f.policy.sponsor(1)).to.deep.equal(["Game", f.sponsorAdmin.address, 1_000_000_000n, true, 1n, 1n]);
      expect(await f.policy.version()).to.equal(version + 1n);
    });

    it("rejects an empty name (GasPolicyEmptyName), a zero admin (SystemContractZeroAddress) and a zero budget (GasPolicyInvalidParams)", async function () {
      const f = await loadFixture(gasFixture);
      await expect(f.gov.registerSponsor("", f.outsider.address, 1)).to.be.revertedWithCustomError(f.policy, "GasPolicyEmptyName");
      await expect(f.gov.registerSponsor("Shop", ethers.ZeroAddress, 1)).to.be.revertedWithCustomError(f.policy, "SystemContractZeroAddress").withArgs("admin");
      await expect(f.gov.registerSponsor("Shop", f.outsider.address, 0)).to.be.revertedWithCustomError(f.policy, "GasPolicyInvalidParams").withArgs("budgetPerWindow");
    });

    it("registerSponsor, setSponsorBudget and setSponsorActive are governance's only, not the sponsor admin's (AccessControlUnauthorizedAccount)", async function () {
      const f = await loadFixture(gasFixture);
      const role = await f.policy.GOVERNANCE_ROLE();
      const admin = f.policy.connect(f.sponsorAdmin);
      for (const call of [() => admin.registerSponsor("Shop", f.sponsorAdmin.address, 1), () => admin.setSponsorBudget(1, 7), () => admin.setSponsorActive(1, false)]) {
        await expect(call()).to.be.revertedWithCustomError(f.policy, "AccessControlUnauthorizedAccount").withArgs(f.sponsorAdmin.address, role);
      }
    });

    it("reverts for an unknown sponsor number (GasPolicyUnknownSponsor), 0 included", async function () {
      const f = await loadFixture(gasFixture);
      for (const id of [0n, 2n]) {
        await expect(f.policy.sponsor(id)).to.be.revertedWithCustomError(f.policy, "GasPolicyUnknownSponsor").withArgs(id);
        await expect(f.policy.sponsoredContracts(id)).to.be.revertedWithCustomError(f.policy, "GasPolicyUnknownSponsor").withArgs(id);
        await expect(f.policy.sponsoredAccounts(id)).to.be.revertedWithCustomError(f.policy, "GasPolicyUnknownSponsor").withArgs(id);
        await expect(f.gov.setSponsorBudget(id, 1)).to.be.revertedWithCustomError(f.policy, "GasPolicyUnknownSponsor").withArgs(id);
        await expect(f.gov.setSponsorActive(id, false)).to.be.revertedWithCustomError(f.policy, "GasPolicyUnknownSponsor").withArgs(id);
        await expect(f.gov.setSponsorAdmin(id, f.outsider.address)).to.be.revertedWithCustomError(f.policy, "GasPolicyUnknownSponsor").withArgs(id);
        await expect(f.gov.setSponsoredContracts(id, [addr(9)], true)).to.be.revertedWithCustomError(f.policy, "GasPolicyUnknownSponsor").withArgs(id);
        await expect(f.gov.setSponsoredAccounts(id, [addr(9)], true)).to.be.revertedWithCustomError(f.policy, "GasPolicyUnknownSponsor").withArgs(id);
      }
    });

    it("governance funds a sponsor (SponsorBudgetSet); a zero budget is refused (GasPolicyInvalidParams)", async function () {
      const f = await loadFixture(gasFixture);
      const version = await f.policy.version();
      await expect(f.gov.setSponsorBudget(1, 42n)).to.emit(f.policy, "SponsorBudgetSet").withArgs(1, 42n);
      expect((await f.policy.sponsor(1)).budgetPerWindow).to.equal(42n);
      expect(await f.policy.version()).to.equal(version + 1n);
      await expect(f.gov.setSponsorBudget(1, 0)).to.be.revertedWithCustomError(f.policy, "GasPolicyInvalidParams").withArgs("budgetPerWindow");
    });

    it("an inactive sponsor's members report sponsor 0 in accountPolicy, and again their sponsor when it is reactivated (SponsorUpdated)", async function () {
      const f = await loadFixture(gasFixture);
      expect((await f.policy.accountPolicy(f.user)).senderSponsor).to.equal(1n);
      expect((await f.policy.accountPolicy(f.dapp)).contractSponsor).to.equal(1n);
      const version = await f.policy.version();
      await expect(f.gov.setSponsorActive(1, false)).to.emit(f.policy, "SponsorUpdated").withArgs(1, f.sponsorAdmin.address, false);
      expect(await f.policy.version()).to.equal(version + 1n);
      expect((await f.policy.sponsor(1)).active).to.equal(false);
      expect((await f.policy.accountPolicy(f.user)).senderSponsor).to.equal(0n);
      expect((await f.policy.accountPolicy(f.dapp)).contractSponsor).to.equal(0n);
      // still members: the raw look-ups and the lists keep them
      expect(await f.policy.sponsorOfAccount(f.user)).to.equal(1n);
      expect(await f.policy.sponsorOfContract(f.dapp)).to.equal(1n);
      expect(await f.policy.sponsoredAccounts(1)).to.deep.equal([f.user]);
      await expect(f.gov.setSponsorActive(1, true)).to.emit(f.policy, "SponsorUpdated").withArgs(1, f.sponsorAdmin.address, true);
      expect((await f.policy.accountPolicy(f.user)).senderSponsor).to.equal(1n);
      expect((await f.policy.accountPolicy(f.dapp)).contractSponsor).to.equal(1n);
    });

    it("the sponsor's admin or governance hands the sponsor to a new admin (SponsorUpdated); the old admin loses its rights", async function () {
      const f = await loadFixture(gasFixture);
      await expect(f.policy.connect(f.sponsorAdmin).setSponsorAdmin(1, f.outsider.address))
        .to.emit(f.policy, "SponsorUpdated")
        .withArgs(1, f.outsider.address, true);
      expect((await f.policy.sponsor(1)).admin).to.equal(f.outsider.address);
      await expect(f.policy.connect(f.sponsorAdmin).setSponsoredAccounts(1, [addr(9)], true))
        .to.be.revertedWithCustomError(f.policy, "GasPolicyNotSponsorAdmin")
        .withArgs(1, f.sponsorAdmin.address);
      await expect(f.policy.connect(f.outsider).setSponsoredAccounts(1, [addr(9)], true)).to.emit(f.policy, "SponsoredAccountSet");
      await expect(f.gov.setSponsorAdmin(1, f.sponsorAdmin.address)).to.emit(f.policy, "SponsorUpdated").withArgs(1, f.sponsorAdmin.address, true);
    });

    it("setSponsorAdmin rejects other callers (GasPolicyNotSponsorAdmin) and a zero admin (SystemContractZeroAddress)", async function () {
      const f = await loadFixture(gasFixture);
      await expect(f.policy.connect(f.outsider).setSponsorAdmin(1, f.outsider.address))
        .to.be.revertedWithCustomError(f.policy, "GasPolicyNotSponsorAdmin")
        .withArgs(1, f.outsider.address);
      await expect(f.policy.connect(f.sponsorAdmin).setSponsorAdmin(1, ethers.ZeroAddress))
        .to.be.revertedWithCustomError(f.policy, "SystemContractZeroAddress")
        .withArgs("admin");
    });
  });

  describe("sponsored contracts and accounts", function () {
    it("the sponsor's admin adds and removes contracts (SponsoredContractSet each), listed and looked up", async function () {
      const f = await loadFixture(gasFixture);
      const [a, b] = [addr(10), addr(11)];
      const version = await f.policy.version();
      const tx = f.policy.connect(f.sponsorAdmin).setSponsoredContracts(1, [a, b], true);
      await expect(tx).to.emit(f.policy, "SponsoredContractSet").withArgs(1, a, true);
      await expect(tx).to.emit(f.policy, "SponsoredContractSet").withArgs(1, b, true);
      expect(await f.policy.version()).to.equal(version + 1n);
      expect(await f.policy.sponsoredContracts(1)).to.deep.equal([f.dapp, a, b]);
      expect((await f.policy.sponsor(1)).contracts).to.equal(3n);
      expect((await f.policy.accountPolicy(b)).contractSponsor).to.equal(1n);
      expect((await f.policy.accountPolicy(b)).senderSponsor).to.equal(0n);
      await expect(f.policy.connect(f.sponsorAdmin).setSponsoredContracts(1, [a], false)).to.emit(f.policy, "SponsoredContractSet").withArgs(1, a, false);
      expect(await f.policy.sponsorOfContract(a)).to.equal(0n);
      expect((await f.policy.accountPolicy(a)).contractSponsor).to.equal(0n);
      expect([...(await f.policy.sponsoredContracts(1))]).to.have.members([f.dapp, b]);
    });

    it("governance manages any sponsor's accounts too (SponsoredAccountSet each)", async function () {
      const f = await loadFixture(gasFixture);
      const a = addr(12);
      await expect(f.gov.setSponsoredAccounts(1, [a], true)).to.emit(f.policy, "SponsoredAccountSet").withArgs(1, a, true);
      expect(await f.policy.sponsoredAccounts(1)).to.deep.equal([f.user, a]);
      expect((await f.policy.sponsor(1)).accounts).to.equal(2n);
      expect((await f.policy.accountPolicy(a)).senderSponsor).to.equal(1n);
      await expect(f.gov.setSponsoredAccounts(1, [f.user, a], false))
        .to.emit(f.policy, "SponsoredAccountSet")
        .withArgs(1, f.user, false)
        .and.to.emit(f.policy, "SponsoredAccountSet")
        .withArgs(1, a, false);
      expect(await f.policy.sponsoredAccounts(1)).to.deep.equal([]);
    });

    it("an address is in at most one sponsor's list of each kind (GasPolicyAlreadySponsored), but may be in one of each kind", async function () {
      const f = await loadFixture(gasFixture);
      await (await f.gov.registerSponsor("Shop", f.outsider.address, 1)).wait();
      const shop = f.policy.connect(f.outsider);
      await expect(shop.setSponsoredContracts(2, [f.dapp], true)).to.be.revertedWithCustomError(f.policy, "GasPolicyAlreadySponsored").withArgs(f.dapp, 1);
      await expect(shop.setSponsoredAccounts(2, [f.user], true)).to.be.revertedWithCustomError(f.policy, "GasPolicyAlreadySponsored").withArgs(f.user, 1);
      // its own list too, and a repeat inside one batch
      await expect(f.policy.connect(f.sponsorAdmin).setSponsoredAccounts(1, [f.user], true))
        .to.be.revertedWithCustomError(f.policy, "GasPolicyAlreadySponsored")
        .withArgs(f.user, 1);
      await expect(shop.setSponsoredAccounts(2, [addr(20), addr(20)], true)).to.be.revertedWithCustomError(f.policy, "GasPolicyAlreadySponsored").withArgs(addr(20), 2);
      // the Game's contract can be the Shop's sponsored sender
      await expect(shop.setSponsoredAccounts(2, [f.dapp], true)).to.emit(f.policy, "SponsoredAccountSet").withArgs(2, f.dapp, true);
      expect(await f.policy.accountPolicy(f.dapp)).to.deep.equal([2n, 1n, BigInt(DEFAULT_GAS_POLICY.defaultAccountQuota), 0n]);
    });

    it("removing an address the sponsor does not hold is refused (GasPolicyNotSponsoredBy)", async function () {
      const f = await loadFixture(gasFixture);
      await (await f.gov.registerSponsor("Shop", f.outsider.address, 1)).wait();
      await expect(f.policy.connect(f.outsider).setSponsoredContracts(2, [f.dapp], false))
        .to.be.revertedWithCustomError(f.policy, "GasPolicyNotSponsoredBy")
        .withArgs(f.dapp, 2);
      await expect(f.policy.connect(f.sponsorAdmin).setSponsoredAccounts(1, [f.stranger], false))
        .to.be.revertedWithCustomError(f.policy, "GasPolicyNotSponsoredBy")
        .withArgs(f.stranger, 1);
      // a contract of the sponsor is not one of its accounts
      await expect(f.policy.connect(f.sponsorAdmin).setSponsoredAccounts(1, [f.dapp], false))
        .to.be.revertedWithCustomError(f.policy, "GasPolicyNotSponsoredBy")
        .withArgs(f.dapp, 1);
    });

    it("rejects other callers (GasPolicyNotSponsorAdmin), even another sponsor's admin", async function () {
      const f = await loadFixture(gasFixture);
      await (await f.gov.registerSponsor("Shop", f.outsider.address, 1)).wait();
      await expect(f.policy.connect(f.outsider).setSponsoredContracts(1, [addr(9)], true))
        .to.be.revertedWithCustomError(f.policy, "GasPolicyNotSponsorAdmin")
        .withArgs(1, f.outsider.address);
      await expect(f.policy.connect(f.outsider).setSponsoredAccounts(1, [f.user], false))
        .to.be.revertedWithCustomError(f.policy, "GasPolicyNotSponsorAdmin")
        .withArgs(1, f.outsider.address);
    });

    it("accepts batches of MAX_BATCH (200) and rejects longer ones (GasPolicyBatchTooLarge)", async function () {
      const f = await loadFixture(gasFixture);
      expect(await f.policy.MAX_BATCH()).to.equal(200n);
      const admin = f.policy.connect(f.sponsorAdmin);
      await expect(admin.setSponsoredContracts(1, addrs(201), true)).to.be.revertedWithCustomError(f.policy, "GasPolicyBatchTooLarge").withArgs(201, 200);
      await expect(admin.setSponsoredAccounts(1, addrs(201), true)).to.be.revertedWithCustomError(f.policy, "GasPolicyBatchTooLarge").withArgs(201, 200);
      await (await admin.setSponsoredAccounts(1, addrs(200), true)).wait();
      expect((await f.policy.sponsor(1)).accounts).to.equal(201n);
    });

    it("rejects the zero address (SystemContractZeroAddress)", async function () {
      const f = await loadFixture(gasFixture);
      await expect(f.gov.setSponsoredContracts(1, [ethers.ZeroAddress], true)).to.be.revertedWithCustomError(f.policy, "SystemContractZeroAddress").withArgs("target");
      await expect(f.gov.setSponsoredAccounts(1, [ethers.ZeroAddress], true)).to.be.revertedWithCustomError(f.policy, "SystemContractZeroAddress").withArgs("account");
    });

    it("is refused while paused (EnforcedPause), governance included", async function () {
      const f = await loadFixture(gasFixture);
      await (await f.gov.pause()).wait();
      await expect(f.policy.connect(f.sponsorAdmin).setSponsoredContracts(1, [addr(9)], true)).to.be.revertedWithCustomError(f.policy, "EnforcedPause");
      await expect(f.gov.setSponsoredAccounts(1, [addr(9)], true)).to.be.revertedWithCustomError(f.policy, "EnforcedPause");
    });
  });

  describe("quotas", function () {
    it("an account uses the default quota until governance gives it its own (AccountQuotaSet), and again after it is cleared", async function () {
      const f = await loadFixture(gasFixture);
      const def = BigInt(DEFAULT_GAS_POLICY.defaultAccountQuota);
      expect((await f.policy.accountPolicy(f.stranger)).quota).to.equal(def);
      const version = await f.policy.version();
      await expect(f.gov.setAccountQuota(f.stranger, 9_000_000n)).to.emit(f.policy, "AccountQuotaSet").withArgs(f.stranger, 9_000_000n, true);
      expect(await f.policy.version()).to.equal(version + 1n);
      expect((await f.policy.accountPolicy(f.stranger)).quota).to.equal(9_000_000n);
      // an own quota does not follow the default
      await (await f.gov.setParams(params({ defaultAccountQuota: 300_000_000 }))).wait();
      expect((await f.policy.accountPolicy(f.stranger)).quota).to.equal(9_000_000n);
      expect((await f.policy.accountPolicy(f.user)).quota).to.equal(300_000_000n);
      await expect(f.gov.clearAccountQuota(f.stranger)).to.emit(f.policy, "AccountQuotaSet").withArgs(f.stranger, 0, false);
      expect(await f.policy.version()).to.equal(version + 3n);
      expect((await f.policy.accountPolicy(f.stranger)).quota).to.equal(300_000_000n);
    });

    it("rejects a quota below maxTxGas (GasPolicyInvalidParams \"quota\") and the zero address (SystemContractZeroAddress)", async function () {
      const f = await loadFixture(gasFixture);
      const max = BigInt(DEFAULT_GAS_POLICY.maxTxGas);
      await expect(f.gov.setAccountQuota(f.stranger, max - 1n)).to.be.revertedWithCustomError(f.policy, "GasPolicyInvalidParams").withArgs("quota");
      await expect(f.gov.setAccountQuota(f.stranger, max)).to.emit(f.policy, "AccountQuotaSet");
      await expect(f.gov.setAccountQuota(ethers.ZeroAddress, max)).to.be.revertedWithCustomError(f.policy, "SystemContractZeroAddress").withArgs("account");
    });

    it("is governance's only (AccessControlUnauthorizedAccount)", async function () {
      const f = await loadFixture(gasFixture);
      const role = await f.policy.GOVERNANCE_ROLE();
      await expect(f.policy.connect(f.outsider).setAccountQuota(f.outsider.address, 100_000_000n))
        .to.be.revertedWithCustomError(f.policy, "AccessControlUnauthorizedAccount")
        .withArgs(f.outsider.address, role);
      await expect(f.policy.connect(f.outsider).clearAccountQuota(f.outsider.address))
        .to.be.revertedWithCustomError(f.policy, "AccessControlUnauthorizedAccount")
        .withArgs(f.outsider.address, role);
    });
  });

  describe("blacklist", function () {
    it("governance blacklists an account until a time (Blacklisted, byReports false); it expires by itself", async function () {
      const f = await loadFixture(gasFixture);
      const until = BigInt(await time.latest()) + 1_000n;
      const version = await f.policy.version();
      await expect(f.gov.blacklist(f.stranger, until, "spam")).to.emit(f.policy, "Blacklisted").withArgs(f.stranger, until, false, "spam");
      expect(await f.policy.version()).to.equal(version + 1n);
      expect(await f.policy.isBlacklisted(f.stranger)).to.equal(true);
      expect((await f.policy.accountPolicy(f.stranger)).blacklistedUntil).to.equal(until);
      expect(await f.policy.blacklistedAccounts()).to.deep.equal([[f.stranger], [until]]);
      await time.increaseTo(until - 1n);
      expect(await f.policy.isBlacklisted(f.stranger)).to.equal(true);
      await time.increaseTo(until);
      expect(await f.policy.isBlacklisted(f.stranger)).to.equal(false);
      expect(await f.policy.blacklistedAccounts()).to.deep.equal([[], []]);
      // the expired time stays readable
      expect((await f.policy.accountPolicy(f.stranger)).blacklistedUntil).to.equal(until);
    });

    it("a new blacklisting replaces the one in force, shorter or longer", async function () {
      const f = await loadFixture(gasFixture);
      const now = BigInt(await time.latest());
      await (await f.gov.blacklist(f.stranger, now + 1_000n, "a")).wait();
      await (await f.gov.blacklist(f.user, now + 5_000n, "b")).wait();
      await (await f.gov.blacklist(f.stranger, now + 100n, "c")).wait();
      const [accounts, untils] = await f.policy.blacklistedAccounts();
      expect(accounts).to.deep.equal([f.stranger, f.user]);
      expect(untils).to.deep.equal([now + 100n, now + 5_000n]);
      await time.increaseTo(now + 100n);
      expect(await f.policy.blacklistedAccounts()).to.deep.equal([[f.user], [now + 5_000n]]);
    });

    it("rejects an expiry that is not in the future (GasPolicyInvalidExpiry) and the zero address", async function () {
      const f = await loadFixture(gasFixture);
      const now = BigInt(await time.latest());
      await expect(f.gov.blacklist(f.stranger, now, "late"))
        .to.be.revertedWithCustomError(f.policy, "GasPolicyInvalidExpiry")
        .withArgs(now, (t: bigint) => t > now);
      await expect(f.gov.blacklist(f.stranger, 0, "zero")).to.be.revertedWithCustomError(f.policy, "GasPolicyInvalidExpiry");
      await expect(f.gov.blacklist(ethers.ZeroAddress, now + 100n, "zero")).to.be.revertedWithCustomError(f.policy, "SystemContractZeroAddress").withArgs("account");
    });

    it("governance removes an account (BlacklistRemoved): no longer blacklisted nor listed", async function () {
      const f = await loadFixture(gasFixture);
      await (await f.gov.blacklist(f.stranger, BigInt(await time.latest()) + 1_000n, "spam")).wait();
      const version = await f.policy.version();
      await expect(f.gov.removeFromBlacklist(f.stranger)).to.emit(f.policy, "BlacklistRemoved").withArgs(f.stranger);
      expect(await f.policy.version()).to.equal(version + 1n);
      expect(await f.policy.isBlacklisted(f.stranger)).to.equal(false);
      expect((await f.policy.accountPolicy(f.stranger)).blacklistedUntil).to.equal(0n);
      expect(await f.policy.blacklistedAccounts()).to.deep.equal([[], []]);
    });

    it("removing an account never listed, removed or expired is refused (GasPolicyNotBlacklisted)", async function () {
      const f = await loadFixture(gasFixture);
      await expect(f.gov.removeFromBlacklist(f.stranger)).to.be.revertedWithCustomError(f.policy, "GasPolicyNotBlacklisted").withArgs(f.stranger);
      const until = BigInt(await time.latest()) + 100n;
      await (await f.gov.blacklist(f.stranger, until, "spam")).wait();
      await time.increaseTo(until);
      await expect(f.gov.removeFromBlacklist(f.stranger)).to.be.revertedWithCustomError(f.policy, "GasPolicyNotBlacklisted").withArgs(f.stranger);
    });

    it("blacklist and removeFromBlacklist are governance's only (AccessControlUnauthorizedAccount)", async function () {
      const f = await loadFixture(gasFixture);
      const role = await f.policy.GOVERNANCE_ROLE();
      await expect(f.policy.connect(f.outsider).blacklist(f.stranger, BigInt(await time.latest()) + 100n, "x"))
        .to.be.revertedWithCustomError(f.policy, "AccessControlUnauthorizedAccount")
        .withArgs(f.outsider.address, role);
      await expect(f.policy.connect(f.outsider).removeFromBlacklist(f.stranger))
        .to.be.revertedWithCustomError(f.policy, "AccessControlUnauthorizedAccount")
        .withArgs(f.outsider.address, role);
    });

    it("anyone prunes expired entries from the list; entries in force stay and nothing a node reads changes", async function () {
      const f = await loadFixture(gasFixture);
      const now = BigInt(await time.latest());
      await (await f.gov.blacklist(f.stranger, now + 100n, "a")).wait();
      await (await f.gov.blacklist(f.user, now + 5_000n, "b")).wait();
      await time.increaseTo(now + 100n);
      const version = await f.policy.version();
      const prune = f.policy.connect(f.outsider);
      expect(await prune.pruneBlacklist.staticCall([f.stranger, f.user, f.dapp])).to.equal(1n);
      await (await prune.pruneBlacklist([f.stranger, f.user, f.dapp])).wait();
      expect(await prune.pruneBlacklist.staticCall([f.stranger])).to.equal(0n);
      expect(await f.policy.version()).to.equal(version);
      expect(await f.policy.blacklistedAccounts()).to.deep.equal([[f.user], [now + 5_000n]]);
      expect((await f.policy.accountPolicy(f.stranger)).blacklistedUntil).to.equal(now + 100n);
      await expect(prune.pruneBlacklist(addrs(201))).to.be.revertedWithCustomError(f.policy, "GasPolicyBatchTooLarge").withArgs(201, 200);
    });
  });

  describe("abuse reports", function () {
    it("needs more than 2/3 of the validators in force: 3 of 4", async function () {
      const f = await loadFixture(gasFixture);
      expect(await f.validatorSet.validatorCountAt(await ethers.provider.getBlockNumber())).to.equal(4n);
      expect(await f.policy.reportThreshold()).to.equal(3n);
    });

    it("two reports are not enough (AbuserReported); the third blacklists the account for reportBlacklistSeconds (Blacklisted, byReports true)", async function () {
      const f = await loadFixture(gasFixture);
      const w = await startOfNextWindow();
      const [v1, v2, v3] = f.validators;
      const version = await f.policy.version();
      await expect(f.policy.connect(v1!).reportAbuser(f.stranger, w, Reverts))
        .to.emit(f.policy, "AbuserReported")
        .withArgs(f.stranger, w, v1!.address, Reverts, 1, 3);
      await expect(f.policy.connect(v2!).reportAbuser(f.stranger, w, ExecutedGas))
        .to.emit(f.policy, "AbuserReported")
        .withArgs(f.stranger, w, v2!.address, ExecutedGas, 2, 3)
        .and.not.to.emit(f.policy, "Blacklisted");
      expect(await f.policy.reportsOf(f.stranger, w)).to.equal(2n);
      expect(await f.policy.isBlacklisted(f.stranger)).to.equal(false);
      expect(await f.policy.version()).to.equal(version + 2n);
      const tx = await f.policy.connect(v3!).reportAbuser(f.stranger, w, Rejections);
      const until = (await blockTime(tx)) + BLACKLIST_SECONDS;
      await expect(tx).to.emit(f.policy, "AbuserReported").withArgs(f.stranger, w, v3!.address, Rejections, 3, 3);
      await expect(tx).to.emit(f.policy, "Blacklisted").withArgs(f.stranger, until, true, "abuse reports");
      expect(await f.policy.isBlacklisted(f.stranger)).to.equal(true);
      expect((await f.policy.accountPolicy(f.stranger)).blacklistedUntil).to.equal(until);
      expect(await f.policy.blacklistedAccounts()).to.deep.equal([[f.stranger], [until]]);
      expect(await f.policy.version()).to.be.greaterThan(version + 2n);
      expect(await f.policy.hasReported(f.stranger, w, v3!.address)).to.equal(true);
      expect(await f.policy.hasReported(f.stranger, w, f.validators[3]!.address)).to.equal(false);
      // the blacklisting by reports expires like any other
      await time.increaseTo(until);
      expect(await f.policy.isBlacklisted(f.stranger)).to.equal(false);
    });

    it("counts reports per window: two in one window and one in the next blacklist nobody", async function () {
      const f = await loadFixture(gasFixture);
      const w = await startOfNextWindow();
      const [v1, v2, v3] = f.validators;
      await (await f.policy.connect(v1!).reportAbuser(f.stranger, w, Reverts)).wait();
      await (await f.policy.connect(v2!).reportAbuser(f.stranger, w, Reverts)).wait();
      await time.increaseTo((w + 1n) * WINDOW);
      await expect(f.policy.connect(v3!).reportAbuser(f.stranger, w + 1n, Reverts))
        .to.emit(f.policy, "AbuserReported")
        .withArgs(f.stranger, w + 1n, v3!.address, Reverts, 1, 3);
      expect(await f.policy.isBlacklisted(f.stranger)).to.equal(false);
      // the previous window is still open for reports: its third report blacklists
      await expect(f.policy.connect(v3!).reportAbuser(f.stranger, w, Reverts)).to.emit(f.policy, "Blacklisted");
    });

    it("a validator reports an account once per window (GasPolicyDuplicateReport)", async function () {
      const f = await loadFixture(gasFixture);
      const w = await startOfNextWindow();
      const v1 = f.validators[0]!;
      await (await f.policy.connect(v1).reportAbuser(f.stranger, w, Reverts)).wait();
      await expect(f.policy.connect(v1).reportAbuser(f.stranger, w, Rejections))
        .to.be.revertedWithCustomError(f.policy, "GasPolicyDuplicateReport")
        .withArgs(f.stranger, w, v1.address);
    });

    it("an account blacklisted now cannot be reported (GasPolicyAlreadyBlacklisted)", async function () {
      const f = await loadFixture(gasFixture);
      const w = await startOfNextWindow();
      const until = BigInt(await time.latest()) + 100n;
      await (await f.gov.blacklist(f.stranger, until, "by hand")).wait();
      await expect(f.policy.connect(f.validators[0]!).reportAbuser(f.stranger, w, Reverts))
        .to.be.revertedWithCustomError(f.policy, "GasPolicyAlreadyBlacklisted")
        .withArgs(f.stranger, until);
    });

    it("only validators in force report (GasPolicyNotValidator)", async function () {
      const f = await loadFixture(gasFixture);
      const w = await f.policy.currentWindow();
      await expect(f.policy.connect(f.outsider).reportAbuser(f.stranger, w, Reverts))
        .to.be.revertedWithCustomError(f.policy, "GasPolicyNotValidator")
        .withArgs(f.outsider.address);
      await expect(f.policy.connect(f.outsider).reportAbusers([f.stranger], w, [Reverts]))
        .to.be.revertedWithCustomError(f.policy, "GasPolicyNotValidator")
        .withArgs(f.outsider.address);
    });

    it("reports are for the current or the previous window: the window rolls over (GasPolicyReportWindowInvalid)", async function () {
      const f = await loadFixture(gasFixture);
      const w = await startOfNextWindow();
      const v1 = f.validators[0]!;
      await expect(f.policy.connect(v1).reportAbuser(f.stranger, w + 1n, Reverts))
        .to.be.revertedWithCustomError(f.policy, "GasPolicyReportWindowInvalid")
        .withArgs(w + 1n, w);
      await expect(f.policy.connect(v1).reportAbuser(f.stranger, w - 2n, Reverts))
        .to.be.revertedWithCustomError(f.policy, "GasPolicyReportWindowInvalid")
        .withArgs(w - 2n, w);
      await expect(f.policy.connect(v1).reportAbuser(f.stranger, w - 1n, Reverts)).to.emit(f.policy, "AbuserReported");
      await time.increaseTo((w + 1n) * WINDOW);
      expect(await f.policy.currentWindow()).to.equal(w + 1n);
      await expect(f.policy.connect(v1).reportAbuser(f.user, w, Reverts)).to.emit(f.policy, "AbuserReported");
      await time.increaseTo((w + 2n) * WINDOW);
      await expect(f.policy.connect(v1).reportAbuser(f.dapp, w, Reverts))
        .to.be.revertedWithCustomError(f.policy, "GasPolicyReportWindowInvalid")
        .withArgs(w, w + 2n);
      await expect(f.policy.connect(v1).reportAbusers([f.dapp], w, [Reverts]))
        .to.be.revertedWithCustomError(f.policy, "GasPolicyReportWindowInvalid")
        .withArgs(w, w + 2n);
    });

    it("is refused while paused (EnforcedPause)", async function () {
      const f = await loadFixture(gasFixture);
      const w = await f.policy.currentWindow();
      await (await f.gov.pause()).wait();
      await expect(f.policy.connect(f.validators[0]!).reportAbuser(f.stranger, w, Reverts)).to.be.revertedWithCustomError(f.policy, "EnforcedPause");
      await expect(f.policy.connect(f.validators[0]!).reportAbusers([f.stranger], w, [Reverts])).to.be.revertedWithCustomError(f.policy, "EnforcedPause");
    });

    it("an account removed by governance is not blacklisted again by the same window's later reports", async function () {
      const f = await loadFixture(gasFixture);
      const w = await startOfNextWindow();
      const [v1, v2, v3, v4] = f.validators;
      for (const v of [v1!, v2!, v3!]) await (await f.policy.connect(v).reportAbuser(f.stranger, w, Reverts)).wait();
      expect(await f.policy.isBlacklisted(f.stranger)).to.equal(true);
      await (await f.gov.removeFromBlacklist(f.stranger)).wait();
      await expect(f.policy.connect(v4!).reportAbuser(f.stranger, w, Reverts))
        .to.emit(f.policy, "AbuserReported")
        .withArgs(f.stranger, w, v4!.address, Reverts, 4, 3)
        .and.not.to.emit(f.policy, "Blacklisted");
      expect(await f.policy.isBlacklisted(f.stranger)).to.equal(false);
    });

    it("a change of the window length renumbers the windows: earlier reports are not counted with new ones", async function () {
      const f = await loadFixture(gasFixture);
      await (await f.gov.setParams(params({ windowSeconds: 100_000 }))).wait();
      const w = await f.policy.currentWindow();
      const [v1, v2, v3] = f.validators;
      await (await f.policy.connect(v1!).reportAbuser(f.stranger, w, Reverts)).wait();
      await (await f.policy.connect(v2!).reportAbuser(f.stranger, w, Reverts)).wait();
      await (await f.gov.setParams(params({ windowSeconds: 100_001 }))).wait();
      const w2 = await f.policy.currentWindow();
      expect(await f.policy.reportsOf(f.stranger, w2)).to.equal(0n);
      await expect(f.policy.connect(v3!).reportAbuser(f.stranger, w2, Reverts)).to.emit(f.policy, "AbuserReported").withArgs(f.stranger, w2, v3!.address, Reverts, 1, 3);
      expect(await f.policy.isBlacklisted(f.stranger)).to.equal(false);
    });

    describe("reportAbusers (the node's batch)", function () {
      it("records one report per account (AbuserReported each) and blacklists those that reach the threshold", async function () {
        const f = await loadFixture(gasFixture);
        const w = await startOfNextWindow();
        const [v1, v2, v3] = f.validators;
        const accounts = [f.stranger, f.user];
        const version = await f.policy.version();
        await expect(f.policy.connect(v1!).reportAbusers(accounts, w, [Reverts, Rejections]))
          .to.emit(f.policy, "AbuserReported")
          .withArgs(f.stranger, w, v1!.address, Reverts, 1, 3)
          .and.to.emit(f.policy, "AbuserReported")
          .withArgs(f.user, w, v1!.address, Rejections, 1, 3);
        expect(await f.policy.version()).to.equal(version + 2n);
        await (await f.policy.connect(v2!).reportAbusers(accounts, w, [Reverts, Reverts])).wait();
        const tx = await f.policy.connect(v3!).reportAbusers(accounts, w, [ExecutedGas, ExecutedGas]);
        const until = (await blockTime(tx)) + BLACKLIST_SECONDS;
        await expect(tx).to.emit(f.policy, "Blacklisted").withArgs(f.stranger, until, true, "abuse reports");
        await expect(tx).to.emit(f.policy, "Blacklisted").withArgs(f.user, until, true, "abuse reports");
        expect(await f.policy.isBlacklisted(f.stranger)).to.equal(true);
        expect(await f.policy.isBlacklisted(f.user)).to.equal(true);
      });

      it("skips, without reverting, accounts this validator already reported for the window (also earlier in the batch) or blacklisted now", async function () {
        const f = await loadFixture(gasFixture);
        const w = await startOfNextWindow();
        const v1 = f.validators[0]!;
        const [a, b, c, d] = [addr(30), addr(31), addr(32), addr(33)];
        await (await f.policy.connect(v1).reportAbuser(a, w, Reverts)).wait();
        await (await f.gov.blacklist(b, BigInt(await time.latest()) + 1_000n, "by hand")).wait();
        const version = await f.policy.version();
        const tx = await f.policy.connect(v1).reportAbusers([a, b, c, c, d], w, [Reverts, Reverts, Reverts, Reverts, Rejections]);
        const receipt = await tx.wait();
        const reported = receipt!.logs
          .map((l) => f.policy.interface.parseLog(l))
          .filter((e) => e?.name === "AbuserReported")
          .map((e) => e!.args.account as string);
        expect(reported).to.deep.equal([c, d]);
        expect(await f.policy.version()).to.equal(version + 2n);
        expect(await f.policy.reportsOf(a, w)).to.equal(1n);
        expect(await f.policy.reportsOf(b, w)).to.equal(0n);
        expect(await f.policy.reportsOf(c, w)).to.equal(1n);
        // all skipped: a no-op that leaves the version alone
        await (await f.policy.connect(v1).reportAbusers([a, b, c], w, [Reverts, Reverts, Reverts])).wait();
        expect(await f.policy.version()).to.equal(version + 2n);
        // another validator's reports still count for the same accounts
        await expect(f.policy.connect(f.validators[1]!).reportAbusers([a], w, [Reverts])).to.emit(f.policy, "AbuserReported").withArgs(a, w, f.validators[1]!.address, Reverts, 2, 3);
      });

      it("rejects accounts and reasons of different lengths (GasPolicyLengthMismatch) and batches over 200 (GasPolicyBatchTooLarge)", async function () {
        const f = await loadFixture(gasFixture);
        const w = await f.policy.currentWindow();
        const v1 = f.policy.connect(f.validators[0]!);
        await expect(v1.reportAbusers([f.stranger, f.user], w, [Reverts])).to.be.revertedWithCustomError(f.policy, "GasPolicyLengthMismatch").withArgs(2, 1);
        await expect(v1.reportAbusers(addrs(201), w, Array(201).fill(Reverts)))
          .to.be.revertedWithCustomError(f.policy, "GasPolicyBatchTooLarge")
          .withArgs(201, 200);
        await expect(v1.reportAbusers(addrs(200), w, Array(200).fill(Reverts))).to.emit(f.policy, "AbuserReported");
        expect(await f.policy.reportsOf(addrs(200)[199]!, w)).to.equal(1n);
      });
    });
  });

  describe("version", function () {
    it("moves with every change of the policy and never with views or rejected calls", async function () {
      const f = await loadFixture(gasFixture);
      let expected = await f.policy.version();
      expect(expected).to.be.greaterThan(0n); // initialize (params), sponsor registration and memberships
      const step = async (tx: Promise<ContractTransactionResponse>, by = 1n): Promise<void> => {
        await (await tx).wait();
        expected += by;
        expect(await f.policy.version()).to.equal(expected);
      };
      const now = BigInt(await time.latest());
      await step(f.gov.setParams(params({ maxTxGas: 9_000_000 })));
      await step(f.gov.registerSponsor("Shop", f.outsider.address, 10n));
      await step(f.gov.setSponsorBudget(2, 11n));
      await step(f.gov.setSponsorActive(2, false));
      await step(f.policy.connect(f.outsider).setSponsorAdmin(2, f.sponsorAdmin.address));
      await step(f.policy.connect(f.sponsorAdmin).setSponsoredContracts(2, [addr(40), addr(41)], true));
      await step(f.policy.connect(f.sponsorAdmin).setSponsoredAccounts(2, [addr(42)], true));
      await step(f.gov.setAccountQuota(f.stranger, 10_000_000n));
      await step(f.gov.clearAccountQuota(f.stranger));
      await step(f.gov.blacklist(f.stranger, now + 10_000n, "x"));
      await step(f.gov.removeFromBlacklist(f.stranger));
      const w = await f.policy.currentWindow();
      await step(f.policy.connect(f.validators[0]!).reportAbuser(f.stranger, w, Reverts));
      await expect(f.gov.setSponsorBudget(2, 0)).to.be.reverted;
      expect(await f.policy.version()).to.equal(expected);
    });
  });

  describe("deployGasPolicy", function () {
    it("is idempotent and registers configured sponsors with their members while the deployer governs", async function () {
      const f = await loadFixture(deploySystemFixture);
      // a manifest without GasPolicy, so that a new one is deployed
      const { GasPolicy: _existing, ...others } = f.manifest.contracts;
      const [admin, c1, a1] = [f.outsiders[0]!.address, addr(50), addr(51)];
      const ctx = {
        manifest: { ...f.manifest, contracts: others },
        save: () => undefined,
        deployer: f.deployer,
        validatorSet: await f.validatorSet.getAddress(),
        timelock: await f.timelock.getAddress(),
        council: await f.council.getAddress(),
        params: { ...DEFAULT_GAS_POLICY, windowSeconds: 60 },
        sponsors: [{ name: "Game", admin, budgetPerWindow: 77n, contracts: [c1], accounts: [a1] }],
      };
      const first = await deployGasPolicy(hre, ctx);
      const again = await deployGasPolicy(hre, ctx);
      const policy = first.gasPolicy;
      expect(await again.gasPolicy.getAddress()).to.equal(await policy.getAddress());
      expect(await policy.getAddress()).to.not.equal(await f.gasPolicy.getAddress());
      expect((await policy.params()).windowSeconds).to.equal(60n);
      expect(await policy.sponsorCount()).to.equal(1n);
      expect(await policy.sponsor(1)).to.deep.equal(["Game", admin, 77n, true, 1n, 1n]);
      expect(await policy.sponsoredContracts(1)).to.deep.equal([c1]);
      expect(await policy.sponsoredAccounts(1)).to.deep.equal([a1]);
      expect(await policy.hasRole(await policy.GOVERNANCE_ROLE(), f.deployer.address)).to.equal(false);
      expect(await policy.hasRole(await policy.GOVERNANCE_ROLE(), ctx.timelock)).to.equal(true);
      // governance holds it now: a new sponsor, or a new member, is governance's to add
      const cases: [GasSponsorConfig, RegExp][] = [
        [{ name: "Shop", admin, budgetPerWindow: 1n }, /belongs to governance: sponsor "Shop" is not registered: .*npx hardhat gas:sponsor --network hardhat --from <validator> --action register --name "Shop"/],
        [{ name: "Game", admin, budgetPerWindow: 77n, contracts: [c1, addr(52)] }, /sponsor "Game" \(number 1\) lacks members: .*npx hardhat gas:sponsor --network hardhat --from 0x\w+ --action add-contracts --id 1 --contracts 0x\w+$/],
      ];
      for (const [sponsor, pattern] of cases) {
        let thrown: unknown;
        try {
          await deployGasPolicy(hre, { ...ctx, sponsors: [sponsor] });
        } catch (e) {
          thrown = e;
        }
        expect(thrown).to.be.instanceOf(ConfigError);
        expect((thrown as Error).message).to.match(pattern);
      }
    });

    it("rejects a validator set, timelock or council that is not an address", async function () {
      const f = await loadFixture(deploySystemFixture);
      const good = { validatorSet: await f.validatorSet.getAddress(), timelock: await f.timelock.getAddress(), council: await f.council.getAddress() };
      for (const what of ["validatorSet", "timelock", "council"] as const) {
        let thrown: unknown;
        try {
          await deployGasPolicy(hre, { manifest: f.manifest, save: () => undefined, ...good, [what]: what === "council" ? ethers.ZeroAddress : "0x1234" });
        } catch (e) {
          thrown = e;
        }
        expect(thrown).to.be.instanceOf(ConfigError);
        expect((thrown as Error).message).to.match(new RegExp(`deployGasPolicy: ${what} must be an address`));
      }
    });
  });
});
