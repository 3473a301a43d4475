import { expect } from "chai";
import { ethers, upgrades } from "hardhat";
import { impersonateAccount, loadFixture, mine, setBalance } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { BaseWallet } from "ethers";
import type { Slashing, ValidatorSet } from "../../../typechain-types";
import {
  BPS,
  GENESIS_COUNT,
  SLASHING_PARAMS,
  STAKE,
  SYSTEM_ADDRESS,
  SlashDestination,
  VALIDATOR_SET_PARAMS,
  type SlashingParams,
  deploySlashingFixture,
  devWallet,
  paramsTuple,
} from "./slashing.fixture";

const coder = ethers.AbiCoder.defaultAbiCoder();
const reasonOf = (text: string): string => ethers.encodeBytes32String(text);
const REASON = reasonOf("missed-votes");
const REASON_DOUBLE_SIGN = reasonOf("double-sign");
const REASON_DOWNTIME = reasonOf("downtime");
const REASON_REPORT_SPAM = reasonOf("report-spam");

/** Off-chain `Slashing.offenceId`. */
function offenceIdOf(offender: string, blockNumber: bigint, reason: string): string {
  return ethers.keccak256(coder.encode(["address", "uint256", "bytes32"], [offender, blockNumber, reason]));
}

/** Off-chain `Slashing.commitDigest`. */
async function commitDigestOf(blockNumber: bigint, blockHash: string): Promise<string> {
  const { chainId } = await ethers.provider.getNetwork();
  return ethers.keccak256(coder.encode(["uint256", "uint256", "bytes32"], [chainId, blockNumber, blockHash]));
}

/** Signs the raw commit digest (no EIP-191 prefix), as the node does. */
async function signCommit(wallet: BaseWallet, blockNumber: bigint, blockHash: string): Promise<string> {
  return wallet.signingKey.sign(await commitDigestOf(blockNumber, blockHash)).serialized;
}

async function latestBlock(): Promise<bigint> {
  return BigInt(await ethers.provider.getBlockNumber());
}

/** Mines so that the latest block is `target` (views then run at `target`, the next transaction at `target + 1`). */
async function mineTo(target: bigint): Promise<void> {
  const latest = await latestBlock();
  if (target > latest) await mine(target - latest);
}

/** First block of the epoch after the one containing `blockNumber`. */
async function nextEpochStart(vs: ValidatorSet, blockNumber: bigint): Promise<bigint> {
  return vs.epochStartBlock((await vs.epochOf(blockNumber)) + 1n);
}

/** Mines into the next epoch: the latest block becomes its first block. */
async function mineToNextEpoch(vs: ValidatorSet): Promise<bigint> {
  const start = await nextEpochStart(vs, await latestBlock());
  await mineTo(start);
  return start;
}

/** Impersonated signer of the node's system address. */
async function systemSigner(): Promise<HardhatEthersSigner> {
  await impersonateAccount(SYSTEM_ADDRESS);
  await setBalance(SYSTEM_ADDRESS, ethers.parseEther("10"));
  return ethers.getSigner(SYSTEM_ADDRESS);
}

/** Reports needed against an offender in force among `n` validators: more than 2/3 of the n - 1 others. */
const required = (n: bigint): bigint => ((n - 1n) * 2n) / 3n + 1n;
const bps = (amount: bigint, fraction: bigint): bigint => (amount * fraction) / BPS;

describe("Slashing", function () {
  describe("deployment", function () {
    it("initialises the validator set, the parameters and governance roles", async function () {
      const { slashing, validatorSetAddress, admin } = await loadFixture(deploySlashingFixture);
      expect(await slashing.validatorSet()).to.equal(validatorSetAddress);
      expect(await slashing.params()).to.deep.equal(paramsTuple(SLASHING_PARAMS));
      expect(await slashing.hasRole(await slashing.DEFAULT_ADMIN_ROLE(), admin.address)).to.equal(true);
      expect(await slashing.hasRole(await slashing.GOVERNANCE_ROLE(), admin.address)).to.equal(true);
      expect(await slashing.SYSTEM_ADDRESS()).to.equal(ethers.getAddress(SYSTEM_ADDRESS));
      expect(await slashing.REASON_DOUBLE_SIGN()).to.equal(REASON_DOUBLE_SIGN);
      expect(await slashing.REASON_DOWNTIME()).to.equal(REASON_DOWNTIME);
      expect(await slashing.REASON_REPORT_SPAM()).to.equal(REASON_REPORT_SPAM);
      expect(await slashing.paused()).to.equal(false);
    });

    it("emits ParamsChanged with the initial parameters", async function () {
      const { slashing } = await loadFixture(deploySlashingFixture);
      await expect(slashing.deploymentTransaction())
        .to.emit(slashing, "ParamsChanged")
        .withArgs(paramsTuple(SLASHING_PARAMS));
    });

    it("reverts initialize with a zero validator set (SystemContractZeroAddress)", async function () {
      const { slashing, SlashingFactory, admin } = await loadFixture(deploySlashingFixture);
      await expect(
        upgrades.deployProxy(SlashingFactory, [admin.address, ethers.ZeroAddress, SLASHING_PARAMS], { kind: "uups" }),
      )
        .to.be.revertedWithCustomError(slashing, "SystemContractZeroAddress")
        .withArgs("validatorSet");
    });

    it("reverts initialize with a zero admin (SystemContractZeroAddress)", async function () {
      const { slashing, SlashingFactory, validatorSetAddress } = await loadFixture(deploySlashingFixture);
      await expect(
        upgrades.deployProxy(SlashingFactory, [ethers.ZeroAddress, validatorSetAddress, SLASHING_PARAMS], {
          kind: "uups",
        }),
      )
        .to.be.revertedWithCustomError(slashing, "SystemContractZeroAddress")
        .withArgs("admin");
    });

    it("cannot be initialised twice, nor through the implementation", async function () {
      const { slashing, slashingAddress, validatorSetAddress, admin } = await loadFixture(deploySlashingFixture);
      await expect(
        slashing.initialize(admin.address, validatorSetAddress, SLASHING_PARAMS),
      ).to.be.revertedWithCustomError(slashing, "InvalidInitialization");
      const implementation = slashing.attach(
        await upgrades.erc1967.getImplementationAddress(slashingAddress),
      ) as Slashing;
      await expect(
        implementation.initialize(admin.address, validatorSetAddress, SLASHING_PARAMS),
      ).to.be.revertedWithCustomError(slashing, "InvalidInitialization");
    });
  });

  // -------------------------------------------------------------------------------- road 1: reports

  describe("road 1: reports", function () {
    it("requiredReports(offender) is more than 2/3 of the other validators in force", async function () {
      const { slashing, validatorSet, validators, candidate, admin, tokenHolder } = await loadFixture(
        deploySlashingFixture,
      );
      const n0 = BigInt(GENESIS_COUNT);
      expect(await validatorSet.validatorCountAt(await latestBlock())).to.equal(n0);
      expect(await slashing.requiredReports(validators[0].address))
        .to.equal(required(n0))
        .and.to.equal(5n);
      // an offender not in force is not among the validators it is judged by
      expect(await slashing.requiredReports(candidate.address)).to.equal((n0 * 2n) / 3n + 1n);

      // A candidate that enters only counts from the next epoch boundary.
      await validatorSet.connect(admin).approveCandidate(candidate.address);
      await validatorSet.connect(tokenHolder).stakeFor(candidate.address, STAKE);
      expect(await slashing.requiredReports(validators[0].address)).to.equal(5n);
      await mineToNextEpoch(validatorSet);
      expect(await validatorSet.validatorCountAt(await latestBlock())).to.equal(n0 + 1n);
      expect(await slashing.requiredReports(validators[0].address))
        .to.equal(required(n0 + 1n))
        .and.to.equal(5n);

      // Three leave: 5 validators in force from the next epoch.
      for (const v of validators.slice(4, 7)) await validatorSet.connect(v).leave();
      expect(await slashing.requiredReports(validators[0].address)).to.equal(5n);
      await mineToNextEpoch(validatorSet);
      expect(await validatorSet.validatorCountAt(await latestBlock())).to.equal(5n);
      expect(await slashing.requiredReports(validators[0].address))
        .to.equal(required(5n))
        .and.to.equal(3n);
    });

    it("a set of three punishes with the two other validators' reports", async function () {
      const { slashing, validatorSet, validators } = await loadFixture(deploySlashingFixture);
      for (const v of validators.slice(3)) await validatorSet.connect(v).leave();
      await mineToNextEpoch(validatorSet);
      expect(await validatorSet.validatorCountAt(await latestBlock())).to.equal(3n);
      expect(await slashing.requiredReports(validators[0].address)).to.equal(2n);
      const b = await latestBlock();
      await slashing.connect(validators[1]).report(validators[0].address, b, REASON);
      await expect(slashing.connect(validators[2]).report(validators[0].address, b, REASON)).to.emit(slashing, "OffencePunished");
    });

    it("offenceId() is keccak256(abi.encode(offender, blockNumber, reason))", async function () {
      const { slashing, validators } = await loadFixture(deploySlashingFixture);
      const offender = validators[0].address;
      expect(await slashing.offenceId(offender, 1234n, REASON)).to.equal(offenceIdOf(offender, 1234n, REASON));
    });

    it("reports below the threshold only emit OffenceReported with the counts", async function () {
      const { slashing, validatorSet, validators, token, treasury } = await loadFixture(deploySlashingFixture);
      const offender = validators[0];
      const b = (await latestBlock()) - 1n; // in the past for eth_call (run at the latest block) too
      const id = offenceIdOf(offender.address, b, REASON);
      const need = await slashing.requiredReports(offender.address);
      const treasuryBefore = await token.balanceOf(treasury.address);

      for (let k = 1n; k < need; ++k) {
        const reporter = validators[Number(k)];
        expect(await slashing.connect(reporter).report.staticCall(offender.address, b, REASON)).to.equal(true);
        const tx = slashing.connect(reporter).report(offender.address, b, REASON);
        await expect(tx)
          .to.emit(slashing, "OffenceReported")
          .withArgs(id, reporter.address, offender.address, b, REASON, k, need);
        await expect(tx).not.to.emit(slashing, "OffencePunished");
        await expect(tx).not.to.emit(validatorSet, "Slashed");
        await expect(tx).not.to.emit(validatorSet, "Jailed");
        expect(await slashing.hasReported(id, reporter.address)).to.equal(true);
      }

      const offence = await slashing.getOffence(id);
      expect(offence.offender).to.equal(offender.address);
      expect(offence.blockNumber).to.equal(b);
      expect(offence.reason).to.equal(REASON);
      expect(offence.reports).to.equal(need - 1n);
      expect(offence.punished).to.equal(false);
      expect(await slashing.hasReported(id, validators[Number(need)].address)).to.equal(false);
      expect(await validatorSet.slashableStake(offender.address)).to.equal(STAKE);
      expect((await validatorSet.getValidator(offender.address)).jailed).to.equal(false);
      expect(await token.balanceOf(treasury.address)).to.equal(treasuryBefore);
    });

    it("the deciding report slashes reportSlashBps to the treasury, jails, and removes the offender at the next epoch", async function () {
      const { slashing, validatorSet, validators, token, treasury, validatorSetAddress } = await loadFixture(
        deploySlashingFixture,
      );
      const offender = validators[0];
      const b = await latestBlock();
      const id = offenceIdOf(offender.address, b, REASON);
      const need = await slashing.requiredReports(offender.address); // 5: more than 2/3 of the 6 others
      for (let k = 1; k < Number(need); ++k) await slashing.connect(validators[k]).report(offender.address, b, REASON);

      const stakeBefore = await validatorSet.slashableStake(offender.address);
      const treasuryBefore = await token.balanceOf(treasury.address);
      const vsBefore = await token.balanceOf(validatorSetAddress);
      const expected = bps(stakeBefore, SLASHING_PARAMS.reportSlashBps);
      const txBlock = (await latestBlock()) + 1n;
      const boundary = await nextEpochStart(validatorSet, txBlock);

      const decider = validators[Number(need)];
      const tx = slashing.connect(decider).report(offender.address, b, REASON);
      await expect(tx)
        .to.emit(slashing, "OffenceReported")
        .withArgs(id, decider.address, offender.address, b, REASON, need, need);
      await expect(tx).to.emit(slashing, "OffencePunished").withArgs(id, offender.address, expected);
      await expect(tx)
        .to.emit(validatorSet, "Slashed")
        .withArgs(offender.address, expected, REASON, SlashDestination.Treasury);
      await expect(tx)
        .to.emit(validatorSet, "Jailed")
        .withArgs(offender.address, txBlock + VALIDATOR_SET_PARAMS.jailPeriod, REASON);
      await expect(tx).to.emit(validatorSet, "ValidatorRemoved").withArgs(offender.address, boundary);

      expect(expected).to.equal(ethers.parseEther("100"));
      expect(await validatorSet.slashableStake(offender.address)).to.equal(stakeBefore - expected);
      expect(await token.balanceOf(treasury.address)).to.equal(treasuryBefore + expected);
      expect(await token.balanceOf(validatorSetAddress)).to.equal(vsBefore - expected);

      const offence = await slashing.getOffence(id);
      expect(offence.reports).to.equal(need);
      expect(offence.punished).to.equal(true);
      const info = await validatorSet.getValidator(offender.address);
      expect(info.jailed).to.equal(true);
      expect(info.jailedUntil).to.equal(txBlock + VALIDATOR_SET_PARAMS.jailPeriod);

      // Still in force for the rest of the epoch, gone from the next boundary.
      expect(await validatorSet.isValidatorAt(offender.address, boundary - 1n)).to.equal(true);
      expect(await validatorSet.isValidatorAt(offender.address, boundary)).to.equal(false);
      expect(await validatorSet.isActiveValidator(offender.address)).to.equal(true);
      await mineTo(boundary);
      expect(await validatorSet.isActiveValidator(offender.address)).to.equal(false);
      expect(await validatorSet.getValidators()).not.to.include(offender.address);
      expect(await validatorSet.validatorCountAt(boundary)).to.equal(BigInt(GENESIS_COUNT) - 1n);
    });

    it("reverts SlashingNotValidator when an outsider or a validator not in force reports", async function () {
      const { slashing, validatorSet, validators, outsider, candidate, admin, tokenHolder } = await loadFixture(
        deploySlashingFixture,
      );
      const b = await latestBlock();
      await expect(slashing.connect(outsider).report(validators[0].address, b, REASON))
        .to.be.revertedWithCustomError(slashing, "SlashingNotValidator")
        .withArgs(outsider.address);

      // An approved candidate is not in force before the next epoch boundary.
      await validatorSet.connect(admin).approveCandidate(candidate.address);
      await validatorSet.connect(tokenHolder).stakeFor(candidate.address, STAKE);
      await expect(slashing.connect(candidate).report(validators[0].address, b, REASON))
        .to.be.revertedWithCustomError(slashing, "SlashingNotValidator")
        .withArgs(candidate.address);

      // A validator that left is no longer in force after the boundary.
      await validatorSet.connect(validators[6]).leave();
      await mineToNextEpoch(validatorSet);
      const b2 = await latestBlock();
      await expect(slashing.connect(validators[6]).report(validators[0].address, b2, REASON))
        .to.be.revertedWithCustomError(slashing, "SlashingNotValidator")
        .withArgs(validators[6].address);
    });

    it("reverts SlashingSelfReport when a validator reports itself", async function () {
      const { slashing, validators } = await loadFixture(deploySlashingFixture);
      const b = await latestBlock();
      await expect(slashing.connect(validators[1]).report(validators[1].address, b, REASON))
        .to.be.revertedWithCustomError(slashing, "SlashingSelfReport")
        .withArgs(validators[1].address);
    });

    it("reverts SlashingFutureBlock for the current block or a later one", async function () {
      const { slashing, validators } = await loadFixture(deploySlashingFixture);
      const current = (await latestBlock()) + 1n; // the block the report is mined in
      await expect(slashing.connect(validators[1]).report(validators[0].address, current, REASON))
        .to.be.revertedWithCustomError(slashing, "SlashingFutureBlock")
        .withArgs(current, current);
      const current2 = (await latestBlock()) + 1n;
      await expect(slashing.connect(validators[1]).report(validators[0].address, current2 + 10n, REASON))
        .to.be.revertedWithCustomError(slashing, "SlashingFutureBlock")
        .withArgs(current2 + 10n, current2);
    });

    it("accepts a block exactly maxReportAge old and reverts SlashingReportTooOld for older ones", async function () {
      const { slashing, validators } = await loadFixture(deploySlashingFixture);
      const age = SLASHING_PARAMS.maxReportAge;
      const b = await latestBlock();
      await mineTo(b + age - 1n); // next transaction at b + age
      await expect(slashing.connect(validators[1]).report(validators[0].address, b, REASON)).to.emit(
        slashing,
        "OffenceReported",
      );
      // next transaction at b + age + 1: too old
      await expect(slashing.connect(validators[2]).report(validators[0].address, b, REASON))
        .to.be.revertedWithCustomError(slashing, "SlashingReportTooOld")
        .withArgs(b, b + 1n);
    });

    it("reverts SlashingOffenderNotValidator when the offender was not a validator at that block", async function () {
      const { slashing, validatorSet, validators, outsider, candidate, admin, tokenHolder } = await loadFixture(
        deploySlashingFixture,
      );
      const b = await latestBlock();
      await expect(slashing.connect(validators[1]).report(outsider.address, b, REASON))
        .to.be.revertedWithCustomError(slashing, "SlashingOffenderNotValidator")
        .withArgs(outsider.address, b);

      // The candidate is a validator only from the next epoch boundary on.
      await validatorSet.connect(admin).approveCandidate(candidate.address);
      await validatorSet.connect(tokenHolder).stakeFor(candidate.address, STAKE);
      const before = await latestBlock();
      await expect(slashing.connect(validators[1]).report(candidate.address, before, REASON))
        .to.be.revertedWithCustomError(slashing, "SlashingOffenderNotValidator")
        .withArgs(candidate.address, before);
      const start = await mineToNextEpoch(validatorSet);
      await expect(slashing.connect(validators[1]).report(candidate.address, start, REASON)).to.emit(
        slashing,
        "OffenceReported",
      );
    });

    it("reverts SlashingAlreadyReported when a validator reports the same offence twice", async function () {
      const { slashing, validators } = await loadFixture(deploySlashingFixture);
      const b = await latestBlock();
      const id = offenceIdOf(validators[0].address, b, REASON);
      await slashing.connect(validators[1]).report(validators[0].address, b, REASON);
      await expect(slashing.connect(validators[1]).report(validators[0].address, b, REASON))
        .to.be.revertedWithCustomError(slashing, "SlashingAlreadyReported")
        .withArgs(id, validators[1].address);
      expect((await slashing.getOffence(id)).reports).to.equal(1n);
    });

    it("reverts SlashingOffenceAlreadyPunished for a report after the punishment", async function () {
      const { slashing, validators } = await loadFixture(deploySlashingFixture);
      const offender = validators[0];
      const b = await latestBlock();
      const id = offenceIdOf(offender.address, b, REASON);
      const need = Number(await slashing.requiredReports(offender.address)); // 5: reporters 1..5, validator 6 remains
      for (let k = 1; k <= need; ++k) await slashing.connect(validators[k]).report(offender.address, b, REASON);
      expect((await slashing.getOffence(id)).punished).to.equal(true);

      const remaining = validators[need + 1];
      await expect(slashing.connect(remaining).report(offender.address, b, REASON))
        .to.be.revertedWithCustomError(slashing, "SlashingOffenceAlreadyPunished")
        .withArgs(id);
      // A reporter of the offence also gets the punished error (checked first).
      await expect(slashing.connect(validators[1]).report(offender.address, b, REASON))
        .to.be.revertedWithCustomError(slashing, "SlashingOffenceAlreadyPunished")
        .withArgs(id);
    });

    it("treats different reasons and different blocks as different offences", async function () {
      const { slashing, validators } = await loadFixture(deploySlashingFixture);
      const offender = validators[0].address;
      const b = await latestBlock();
      const other = reasonOf("bad-block");
      const cases: [bigint, string][] = [
        [b, REASON],
        [b, other],
        [b - 1n, REASON],
      ];
      const ids = cases.map(([blk, r]) => offenceIdOf(offender, blk, r));
      expect(new Set(ids).size).to.equal(3);

      const need = await slashing.requiredReports(offender);
      for (let i = 0; i < cases.length; ++i) {
        const [blk, r] = cases[i];
        expect(await slashing.offenceId(offender, blk, r)).to.equal(ids[i]);
        await expect(slashing.connect(validators[1]).report(offender, blk, r))
          .to.emit(slashing, "OffenceReported")
          .withArgs(ids[i], validators[1].address, offender, blk, r, 1n, need);
      }
      for (const id of ids) {
        expect((await slashing.getOffence(id)).reports).to.equal(1n);
        expect(await slashing.hasReported(id, validators[1].address)).to.equal(true);
      }
    });

    it("penalises a reporter over maxReportsPerEpoch with spamSlashBps, without counting its report, until the next epoch", async function () {
      const { slashing, validatorSet, validators, token, treasury } = await loadFixture(deploySlashingFixture);
      const offender = validators[0].address;
      const reporter = validators[1];
      const quota = SLASHING_PARAMS.maxReportsPerEpoch; // 3

      const start = await mineToNextEpoch(validatorSet); // plenty of room left in this epoch
      const epoch = await validatorSet.epochOf(start);
      const b = start - 1n;
      const reasons = [1, 2, 3, 4, 5].map((i) => reasonOf(`offence-${i}`));

      for (let i = 0; i < Number(quota); ++i) {
        expect(await slashing.connect(reporter).report.staticCall(offender, b, reasons[i])).to.equal(true);
        await slashing.connect(reporter).report(offender, b, reasons[i]);
      }
      expect(await slashing.reportsInEpoch(reporter.address, epoch)).to.equal(quota);

      // One report too many: the report returns false and the reporter is slashed.
      const spamId = offenceIdOf(offender, b, reasons[3]);
      expect(await slashing.connect(reporter).report.staticCall(offender, b, reasons[3])).to.equal(false);
      const stakeBefore = await validatorSet.slashableStake(reporter.address);
      const treasuryBefore = await token.balanceOf(treasury.address);
      const penalty = bps(stakeBefore, SLASHING_PARAMS.spamSlashBps);
      const tx = slashing.connect(reporter).report(offender, b, reasons[3]);
      await expect(tx)
        .to.emit(slashing, "ReporterPenalized")
        .withArgs(reporter.address, epoch, quota + 1n, penalty);
      await expect(tx)
        .to.emit(validatorSet, "Slashed")
        .withArgs(reporter.address, penalty, REASON_REPORT_SPAM, SlashDestination.Treasury);
      await expect(tx).not.to.emit(slashing, "OffenceReported");
      await expect(tx).not.to.emit(validatorSet, "Jailed");
      expect(penalty).to.equal(ethers.parseEther("10"));
      expect(await validatorSet.slashableStake(reporter.address)).to.equal(stakeBefore - penalty);
      expect(await token.balanceOf(treasury.address)).to.equal(treasuryBefore + penalty);
      expect(await slashing.reportsInEpoch(reporter.address, epoch)).to.equal(quota + 1n);
      expect(await slashing.hasReported(spamId, reporter.address)).to.equal(false);
      expect((await slashing.getOffence(spamId)).reports).to.equal(0n);

      // Every further report in the epoch is penalised again, on the reduced stake.
      const stake2 = await validatorSet.slashableStake(reporter.address);
      await expect(slashing.connect(reporter).report(offender, b, reasons[4]))
        .to.emit(slashing, "ReporterPenalized")
        .withArgs(reporter.address, epoch, quota + 2n, bps(stake2, SLASHING_PARAMS.spamSlashBps));
      expect(await slashing.reportsInEpoch(reporter.address, epoch)).to.equal(quota + 2n);

      // Next epoch: the quota starts again and the rejected offence can be reported.
      const next = await mineToNextEpoch(validatorSet);
      const nextEpoch = await validatorSet.epochOf(next);
      expect(nextEpoch).to.equal(epoch + 1n);
      expect(await slashing.connect(reporter).report.staticCall(offender, b, reasons[3])).to.equal(true);
      await expect(slashing.connect(reporter).report(offender, b, reasons[3]))
        .to.emit(slashing, "OffenceReported")
        .withArgs(spamId, reporter.address, offender, b, reasons[3], 1n, await slashing.requiredReports(offender));
      expect(await slashing.reportsInEpoch(reporter.address, nextEpoch)).to.equal(1n);
      expect(await slashing.reportsInEpoch(reporter.address, epoch)).to.equal(quota + 2n);
      expect(await slashing.hasReported(spamId, reporter.address)).to.equal(true);
    });

    it("counts reports per reporter: another validator keeps its own quota", async function () {
      const { slashing, validatorSet, validators } = await loadFixture(deploySlashingFixture);
      const offender = validators[0].address;
      const start = await mineToNextEpoch(validatorSet);
      const epoch = await validatorSet.epochOf(start);
      for (let i = 0; i < Number(SLASHING_PARAMS.maxReportsPerEpoch); ++i) {
        await slashing.connect(validators[1]).report(offender, start - 1n, reasonOf(`r${i}`));
      }
      expect(await slashing.connect(validators[2]).report.staticCall(offender, start - 1n, reasonOf("r0"))).to.equal(
        true,
      );
      await expect(slashing.connect(validators[2]).report(offender, start - 1n, reasonOf("r0"))).not.to.emit(
        slashing,
        "ReporterPenalized",
      );
      expect(await slashing.reportsInEpoch(validators[2].address, epoch)).to.equal(1n);
    });

    it("reverts EnforcedPause while paused and works again after unpause", async function () {
      const { slashing, validators, admin } = await loadFixture(deploySlashingFixture);
      const b = await latestBlock();
      await slashing.connect(admin).pause();
      await expect(
        slashing.connect(validators[1]).report(validators[0].address, b, REASON),
      ).to.be.revertedWithCustomError(slashing, "EnforcedPause");
      await slashing.connect(admin).unpause();
      await expect(slashing.connect(validators[1]).report(validators[0].address, b, REASON)).to.emit(
        slashing,
        "OffenceReported",
      );
    });
  });

  // -------------------------------------------------------------------------------- road 2: double-sign

  describe("road 2: double-sign evidence", function () {
    const hashA = ethers.id("block A");
    const hashB = ethers.id("block B");
    const hashC = ethers.id("block C");

    it("commitDigest() is keccak256(abi.encode(chainId, blockNumber, blockHash))", async function () {
      const { slashing } = await loadFixture(deploySlashingFixture);
      const { chainId } = await ethers.provider.getNetwork();
      expect(chainId).to.equal(31337n);
      const expected = ethers.keccak256(
        ethers.AbiCoder.defaultAbiCoder().encode(["uint256", "uint256", "bytes32"], [chainId, 42n, hashA]),
      );
      expect(await slashing.commitDigest(42n, hashA)).to.equal(expected);
      expect(await slashing.commitDigest(42n, hashB)).not.to.equal(expected);
    });

    it("uses the validator's dev key (the wallet signs as the validator)", async function () {
      const { validators } = await loadFixture(deploySlashingFixture);
      for (let i = 0; i < validators.length; ++i) expect(devWallet(i + 1).address).to.equal(validators[i].address);
    });

    it("punishes valid evidence from any submitter: slashes doubleSignSlashBps and jails", async function () {
      const { slashing, validatorSet, validators, outsider, token, treasury } = await loadFixture(
        deploySlashingFixture,
      );
      const offender = validators[2];
      const wallet = devWallet(3);
      const n = (await latestBlock()) - 1n;
      const sigA = await signCommit(wallet, n, hashA);
      const sigB = await signCommit(wallet, n, hashB);
      expect(ethers.getBytes(sigA).length).to.equal(65);
      expect(ethers.recoverAddress(await slashing.commitDigest(n, hashA), sigA)).to.equal(offender.address);

      const stakeBefore = await validatorSet.slashableStake(offender.address);
      const expected = bps(stakeBefore, SLASHING_PARAMS.doubleSignSlashBps);
      const [who, amount] = await slashing
        .connect(outsider)
        .submitDoubleSignEvidence.staticCall(n, hashA, sigA, hashB, sigB);
      expect(who).to.equal(offender.address);
      expect(amount).to.equal(expected);

      const treasuryBefore = await token.balanceOf(treasury.address);
      const txBlock = (await latestBlock()) + 1n;
      const boundary = await nextEpochStart(validatorSet, txBlock);
      const tx = slashing.connect(outsider).submitDoubleSignEvidence(n, hashA, sigA, hashB, sigB);
      await expect(tx)
        .to.emit(slashing, "DoubleSignPunished")
        .withArgs(offender.address, n, hashA, hashB, outsider.address, expected);
      await expect(tx)
        .to.emit(validatorSet, "Slashed")
        .withArgs(offender.address, expected, REASON_DOUBLE_SIGN, SlashDestination.Treasury);
      await expect(tx)
        .to.emit(validatorSet, "Jailed")
        .withArgs(offender.address, txBlock + VALIDATOR_SET_PARAMS.jailPeriod, REASON_DOUBLE_SIGN);
      await expect(tx).to.emit(validatorSet, "ValidatorRemoved").withArgs(offender.address, boundary);

      expect(expected).to.equal(ethers.parseEther("500"));
      expect(await validatorSet.slashableStake(offender.address)).to.equal(stakeBefore - expected);
      expect(await token.balanceOf(treasury.address)).to.equal(treasuryBefore + expected);
      expect((await validatorSet.getValidator(offender.address)).jailed).to.equal(true);
      expect(await slashing.isDoubleSignPunished(offender.address, n)).to.equal(true);
      expect(await slashing.isDoubleSignPunished(offender.address, n - 1n)).to.equal(false);
      expect(await validatorSet.isValidatorAt(offender.address, boundary)).to.equal(false);
    });

    it("accepts evidence from a validator submitter as well (submitter recorded in the event)", async function () {
      const { slashing, validators } = await loadFixture(deploySlashingFixture);
      const n = (await latestBlock()) - 1n;
      const wallet = devWallet(1);
      await expect(
        slashing
          .connect(validators[4])
          .submitDoubleSignEvidence(
            n,
            hashB,
            await signCommit(wallet, n, hashB),
            hashA,
            await signCommit(wallet, n, hashA),
          ),
      )
        .to.emit(slashing, "DoubleSignPunished")
        .withArgs(
          validators[0].address,
          n,
          hashB,
          hashA,
          validators[4].address,
          bps(STAKE, SLASHING_PARAMS.doubleSignSlashBps),
        );
    });

    it("reverts SlashingFutureBlock for evidence at the current or a later height", async function () {
      const { slashing, outsider } = await loadFixture(deploySlashingFixture);
      const current = (await latestBlock()) + 1n; // the block the evidence transaction lands in
      for (const n of [current, current + 100n, 2n ** 60n]) {
        const a = await signCommit(devWallet(1), n, ethers.id("x"));
        const b = await signCommit(devWallet(1), n, ethers.id("y"));
        await expect(slashing.connect(outsider).submitDoubleSignEvidence(n, ethers.id("x"), a, ethers.id("y"), b))
          .to.be.revertedWithCustomError(slashing, "SlashingFutureBlock")
          .withArgs(n, (await latestBlock()) + 1n);
      }
    });

    it("reverts SlashingEvidenceSameHash for two signatures over the same hash", async function () {
      const { slashing, outsider } = await loadFixture(deploySlashingFixture);
      const n = (await latestBlock()) - 1n;
      const sig = await signCommit(devWallet(1), n, hashA);
      await expect(slashing.connect(outsider).submitDoubleSignEvidence(n, hashA, sig, hashA, sig))
        .to.be.revertedWithCustomError(slashing, "SlashingEvidenceSameHash")
        .withArgs(hashA);
    });

    it("reverts SlashingEvidenceSignerMismatch when two different validators signed", async function () {
      const { slashing, validators, outsider } = await loadFixture(deploySlashingFixture);
      const n = (await latestBlock()) - 1n;
      const sigA = await signCommit(devWallet(1), n, hashA);
      const sigB = await signCommit(devWallet(2), n, hashB);
      await expect(slashing.connect(outsider).submitDoubleSignEvidence(n, hashA, sigA, hashB, sigB))
        .to.be.revertedWithCustomError(slashing, "SlashingEvidenceSignerMismatch")
        .withArgs(validators[0].address, validators[1].address);
    });

    it("reverts SlashingEvidenceSignerMismatch when a signature is for another height", async function () {
      const { slashing, outsider } = await loadFixture(deploySlashingFixture);
      const n = (await latestBlock()) - 1n;
      const wallet = devWallet(1);
      const sigA = await signCommit(wallet, n, hashA);
      const sigBOtherHeight = await signCommit(wallet, n - 1n, hashB);
      const recovered = ethers.recoverAddress(await commitDigestOf(n, hashB), sigBOtherHeight);
      await expect(slashing.connect(outsider).submitDoubleSignEvidence(n, hashA, sigA, hashB, sigBOtherHeight))
        .to.be.revertedWithCustomError(slashing, "SlashingEvidenceSignerMismatch")
        .withArgs(wallet.address, recovered);
    });

    it("reverts SlashingInvalidSignature for 64 zero bytes, 65 zero bytes, a bad length or a high-s signature", async function () {
      const { slashing, outsider } = await loadFixture(deploySlashingFixture);
      const n = (await latestBlock()) - 1n;
      const wallet = devWallet(1);
      const sigA = await signCommit(wallet, n, hashA);
      const sigB = await signCommit(wallet, n, hashB);

      const zero64 = "0x" + "00".repeat(64);
      await expect(slashing.connect(outsider).submitDoubleSignEvidence(n, hashA, zero64, hashB, sigB))
        .to.be.revertedWithCustomError(slashing, "SlashingInvalidSignature")
        .withArgs(zero64);

      const zero65 = "0x" + "00".repeat(65);
      await expect(slashing.connect(outsider).submitDoubleSignEvidence(n, hashA, sigA, hashB, zero65))
        .to.be.revertedWithCustomError(slashing, "SlashingInvalidSignature")
        .withArgs(zero65);

      const tooLong = ethers.concat([sigB, "0x00"]);
      await expect(slashing.connect(outsider).submitDoubleSignEvidence(n, hashA, sigA, hashB, tooLong))
        .to.be.revertedWithCustomError(slashing, "SlashingInvalidSignature")
        .withArgs(tooLong);

      // The EIP-2098 compact (64-byte) form of a valid signature is rejected too (65 bytes required).
      const compact = ethers.Signature.from(sigA).compactSerialized;
      await expect(slashing.connect(outsider).submitDoubleSignEvidence(n, hashA, compact, hashB, sigB))
        .to.be.revertedWithCustomError(slashing, "SlashingInvalidSignature")
        .withArgs(compact);

      // Malleated (high-s) twin of a valid signature.
      const sig = ethers.Signature.from(sigA);
      const order = BigInt("0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
      const highS = ethers.concat([
        sig.r,
        ethers.toBeHex(order - BigInt(sig.s), 32),
        ethers.toBeHex(sig.v === 27 ? 28 : 27, 1),
      ]);
      await expect(slashing.connect(outsider).submitDoubleSignEvidence(n, hashA, highS, hashB, sigB))
        .to.be.revertedWithCustomError(slashing, "SlashingInvalidSignature")
        .withArgs(highS);
    });

    it("reverts SlashingOffenderNotValidator when the signer was not a validator at that height", async function () {
      const { slashing, validatorSet, outsider } = await loadFixture(deploySlashingFixture);
      const n = (await latestBlock()) - 1n;
      const stranger = new ethers.Wallet(ethers.id("not a validator"));
      await expect(
        slashing
          .connect(outsider)
          .submitDoubleSignEvidence(
            n,
            hashA,
            await signCommit(stranger, n, hashA),
            hashB,
            await signCommit(stranger, n, hashB),
          ),
      )
        .to.be.revertedWithCustomError(slashing, "SlashingOffenderNotValidator")
        .withArgs(stranger.address, n);

      // A genesis validator before the validator set existed (block 1).
      const wallet = devWallet(1);
      expect(await validatorSet.isValidatorAt(wallet.address, 1n)).to.equal(false);
      await expect(
        slashing
          .connect(outsider)
          .submitDoubleSignEvidence(
            1n,
            hashA,
            await signCommit(wallet, 1n, hashA),
            hashB,
            await signCommit(wallet, 1n, hashB),
          ),
      )
        .to.be.revertedWithCustomError(slashing, "SlashingOffenderNotValidator")
        .withArgs(wallet.address, 1n);
    });

    it("reverts SlashingEvidenceAlreadyUsed on resubmission, even with another pair of hashes; another height is separate", async function () {
      const { slashing, validatorSet, validators, outsider } = await loadFixture(deploySlashingFixture);
      const n = (await latestBlock()) - 1n;
      const wallet = devWallet(1);
      const sigA = await signCommit(wallet, n, hashA);
      const sigB = await signCommit(wallet, n, hashB);
      await slashing.connect(outsider).submitDoubleSignEvidence(n, hashA, sigA, hashB, sigB);
      const stakeAfterFirst = await validatorSet.slashableStake(validators[0].address);

      await expect(slashing.connect(outsider).submitDoubleSignEvidence(n, hashA, sigA, hashB, sigB))
        .to.be.revertedWithCustomError(slashing, "SlashingEvidenceAlreadyUsed")
        .withArgs(wallet.address, n);
      await expect(
        slashing.connect(outsider).submitDoubleSignEvidence(n, hashB, sigB, hashA, sigA),
      ).to.be.revertedWithCustomError(slashing, "SlashingEvidenceAlreadyUsed");
      const sigC = await signCommit(wallet, n, hashC);
      await expect(slashing.connect(outsider).submitDoubleSignEvidence(n, hashA, sigA, hashC, sigC))
        .to.be.revertedWithCustomError(slashing, "SlashingEvidenceAlreadyUsed")
        .withArgs(wallet.address, n);
      expect(await validatorSet.slashableStake(validators[0].address)).to.equal(stakeAfterFirst);

      // Equivocation at another height is another offence.
      const m = n - 1n;
      await expect(
        slashing
          .connect(outsider)
          .submitDoubleSignEvidence(
            m,
            hashA,
            await signCommit(wallet, m, hashA),
            hashB,
            await signCommit(wallet, m, hashB),
          ),
      )
        .to.emit(slashing, "DoubleSignPunished")
        .withArgs(
          wallet.address,
          m,
          hashA,
          hashB,
          outsider.address,
          bps(stakeAfterFirst, SLASHING_PARAMS.doubleSignSlashBps),
        );
    });

    it("reverts EnforcedPause while paused", async function () {
      const { slashing, outsider, admin } = await loadFixture(deploySlashingFixture);
      const n = (await latestBlock()) - 1n;
      const wallet = devWallet(1);
      const sigA = await signCommit(wallet, n, hashA);
      const sigB = await signCommit(wallet, n, hashB);
      await slashing.connect(admin).pause();
      await expect(
        slashing.connect(outsider).submitDoubleSignEvidence(n, hashA, sigA, hashB, sigB),
      ).to.be.revertedWithCustomError(slashing, "EnforcedPause");
      await slashing.connect(admin).unpause();
      await expect(slashing.connect(outsider).submitDoubleSignEvidence(n, hashA, sigA, hashB, sigB)).to.emit(
        slashing,
        "DoubleSignPunished",
      );
    });
  });

  // -------------------------------------------------------------------------------- road 3: downtime

  describe("road 3: downtime", function () {
    /** Gives every validator but `offender` a share of `offender`'s double-sign slash (destination Validators). */
    async function creditRewards(f: Awaited<ReturnType<typeof deploySlashingFixture>>, offenderIndex: number) {
      const { slashing, validatorSet, admin, treasury, outsider } = f;
      await validatorSet.connect(admin).setSlashDestination(SlashDestination.Validators, treasury.address);
      const n = (await latestBlock()) - 1n;
      const wallet = devWallet(offenderIndex + 1);
      await slashing
        .connect(outsider)
        .submitDoubleSignEvidence(
          n,
          ethers.id("x"),
          await signCommit(wallet, n, ethers.id("x")),
          ethers.id("y"),
          await signCommit(wallet, n, ethers.id("y")),
        );
      await validatorSet.connect(admin).setSlashDestination(SlashDestination.Treasury, treasury.address);
      return bps(STAKE, SLASHING_PARAMS.doubleSignSlashBps) / BigInt(GENESIS_COUNT - 1);
    }

    it("recordMissedProposal reverts SystemContractNotSystem for anyone but SYSTEM_ADDRESS", async function () {
      const { slashing, validators, outsider, admin } = await loadFixture(deploySlashingFixture);
      for (const caller of [outsider, admin, validators[1]]) {
        await expect(slashing.connect(caller).recordMissedProposal(validators[0].address))
          .to.be.revertedWithCustomError(slashing, "SystemContractNotSystem")
          .withArgs(caller.address);
      }
    });

    it("counts misses with MissedProposal and records the last miss block", async function () {
      const { slashing, validators } = await loadFixture(deploySlashingFixture);
      const system = await systemSigner();
      const v = validators[0].address;
      expect(await slashing.downtimeOf(v)).to.deep.equal([0n, 0n]);
      for (let k = 1n; k <= 2n; ++k) {
        const tx = slashing.connect(system).recordMissedProposal(v);
        await expect(tx).to.emit(slashing, "MissedProposal").withArgs(v, k);
        await expect(tx).not.to.emit(slashing, "DowntimeMisdemeanor");
        expect(await slashing.downtimeOf(v)).to.deep.equal([k, await latestBlock()]);
      }
      // Counters are per validator.
      await expect(slashing.connect(system).recordMissedProposal(validators[1].address))
        .to.emit(slashing, "MissedProposal")
        .withArgs(validators[1].address, 1n);
    });

    it("at misdemeanorThreshold emits DowntimeMisdemeanor and forfeits the validator's rewards", async function () {
      const f = await loadFixture(deploySlashingFixture);
      const { slashing, validatorSet, validators, token, treasury } = f;
      const v = validators[0].address;
      const share = await creditRewards(f, 6);
      expect(share).to.be.greaterThan(0n);
      expect((await validatorSet.getValidator(v)).rewards).to.equal(share);

      const system = await systemSigner();
      const threshold = SLASHING_PARAMS.misdemeanorThreshold;
      for (let k = 1n; k < threshold; ++k) {
        await expect(slashing.connect(system).recordMissedProposal(v)).not.to.emit(slashing, "DowntimeMisdemeanor");
      }
      expect((await validatorSet.getValidator(v)).rewards).to.equal(share);

      const stakeBefore = await validatorSet.slashableStake(v);
      const treasuryBefore = await token.balanceOf(treasury.address);
      const tx = slashing.connect(system).recordMissedProposal(v);
      await expect(tx).to.emit(slashing, "MissedProposal").withArgs(v, threshold);
      await expect(tx).to.emit(slashing, "DowntimeMisdemeanor").withArgs(v, threshold, share);
      await expect(tx).to.emit(validatorSet, "RewardsForfeited").withArgs(v, share);
      await expect(tx).not.to.emit(validatorSet, "Slashed");
      await expect(tx).not.to.emit(validatorSet, "Jailed");

      expect((await validatorSet.getValidator(v)).rewards).to.equal(0n);
      expect(await token.balanceOf(treasury.address)).to.equal(treasuryBefore + share);
      expect(await validatorSet.slashableStake(v)).to.equal(stakeBefore);
      expect((await validatorSet.getValidator(v)).jailed).to.equal(false);

      // The next miss (below the felony threshold) forfeits nothing more.
      await expect(slashing.connect(system).recordMissedProposal(v))
        .to.emit(slashing, "MissedProposal")
        .withArgs(v, threshold + 1n)
        .and.not.to.emit(slashing, "DowntimeMisdemeanor");
    });

    it("a misdemeanor without rewards forfeits 0", async function () {
      const { slashing, validatorSet, validators } = await loadFixture(deploySlashingFixture);
      const system = await systemSigner();
      const v = validators[0].address;
      for (let k = 1n; k < SLASHING_PARAMS.misdemeanorThreshold; ++k)
        await slashing.connect(system).recordMissedProposal(v);
      const tx = slashing.connect(system).recordMissedProposal(v);
      await expect(tx).to.emit(slashing, "DowntimeMisdemeanor").withArgs(v, SLASHING_PARAMS.misdemeanorThreshold, 0n);
      await expect(tx).not.to.emit(validatorSet, "RewardsForfeited");
    });

    it("at felonyThreshold emits DowntimeFelony, slashes downtimeSlashBps, jails and restarts the counter", async function () {
      const { slashing, validatorSet, validators, token, treasury } = await loadFixture(deploySlashingFixture);
      const system = await systemSigner();
      const v = validators[0].address;
      const felony = SLASHING_PARAMS.felonyThreshold;
      for (let k = 1n; k < felony; ++k) {
        const tx = slashing.connect(system).recordMissedProposal(v);
        await expect(tx).to.emit(slashing, "MissedProposal").withArgs(v, k);
        await expect(tx).not.to.emit(slashing, "DowntimeFelony");
      }

      const stakeBefore = await validatorSet.slashableStake(v);
      const treasuryBefore = await token.balanceOf(treasury.address);
      const expected = bps(stakeBefore, SLASHING_PARAMS.downtimeSlashBps);
      const txBlock = (await latestBlock()) + 1n;
      const boundary = await nextEpochStart(validatorSet, txBlock);
      const tx = slashing.connect(system).recordMissedProposal(v);
      await expect(tx).to.emit(slashing, "MissedProposal").withArgs(v, felony);
      await expect(tx).to.emit(slashing, "DowntimeFelony").withArgs(v, felony, expected);
      await expect(tx)
        .to.emit(validatorSet, "Slashed")
        .withArgs(v, expected, REASON_DOWNTIME, SlashDestination.Treasury);
      await expect(tx)
        .to.emit(validatorSet, "Jailed")
        .withArgs(v, txBlock + VALIDATOR_SET_PARAMS.jailPeriod, REASON_DOWNTIME);
      await expect(tx).not.to.emit(slashing, "DowntimeMisdemeanor");

      expect(expected).to.equal(ethers.parseEther("50"));
      expect(await validatorSet.slashableStake(v)).to.equal(stakeBefore - expected);
      expect(await token.balanceOf(treasury.address)).to.equal(treasuryBefore + expected);
      expect((await validatorSet.getValidator(v)).jailed).to.equal(true);
      expect(await validatorSet.isValidatorAt(v, boundary)).to.equal(false);
      expect(await slashing.downtimeOf(v)).to.deep.equal([0n, txBlock]);

      await expect(slashing.connect(system).recordMissedProposal(v))
        .to.emit(slashing, "MissedProposal")
        .withArgs(v, 1n);
    });

    it("restarts the counter after more than downtimeWindow blocks without a miss", async function () {
      const { slashing, validators } = await loadFixture(deploySlashingFixture);
      const system = await systemSigner();
      const v = validators[0].address;
      const window = SLASHING_PARAMS.downtimeWindow;

      await slashing.connect(system).recordMissedProposal(v);
      const first = await latestBlock();
      // A miss exactly downtimeWindow blocks later still counts on.
      await mineTo(first + window - 1n);
      await expect(slashing.connect(system).recordMissedProposal(v))
        .to.emit(slashing, "MissedProposal")
        .withArgs(v, 2n);
      const second = await latestBlock();
      expect(second).to.equal(first + window);
      // One block more without a miss and the counter restarts.
      await mineTo(second + window);
      await expect(slashing.connect(system).recordMissedProposal(v))
        .to.emit(slashing, "MissedProposal")
        .withArgs(v, 1n);
      expect(await slashing.downtimeOf(v)).to.deep.equal([1n, second + window + 1n]);
    });

    it("a restarted counter does not reach the misdemeanor on the old misses", async function () {
      const { slashing, validators } = await loadFixture(deploySlashingFixture);
      const system = await systemSigner();
      const v = validators[0].address;
      for (let k = 1n; k < SLASHING_PARAMS.misdemeanorThreshold; ++k)
        await slashing.connect(system).recordMissedProposal(v);
      await mine(SLASHING_PARAMS.downtimeWindow + 1n);
      await expect(slashing.connect(system).recordMissedProposal(v))
        .to.emit(slashing, "MissedProposal")
        .withArgs(v, 1n)
        .and.not.to.emit(slashing, "DowntimeMisdemeanor");
    });
  });

  // -------------------------------------------------------------------------------- slash destination

  describe("slash destination Validators", function () {
    it("credits a report slash to the other validators in force (RewardsCredited), remainder to the treasury", async function () {
      const {
        slashing,
        validatorSet,
        validators,
        admin,
        treasury,
        token,
        candidate,
        tokenHolder,
        validatorSetAddress,
      } = await loadFixture(deploySlashingFixture);
      await expect(validatorSet.connect(admin).setSlashDestination(SlashDestination.Validators, treasury.address))
        .to.emit(validatorSet, "SlashDestinationChanged")
        .withArgs(SlashDestination.Validators, treasury.address);
      // A candidate entering at the next epoch is not in force and gets nothing.
      await validatorSet.connect(admin).approveCandidate(candidate.address);
      await validatorSet.connect(tokenHolder).stakeFor(candidate.address, STAKE);

      const offender = validators[0];
      const b = await latestBlock();
      const need = Number(await slashing.requiredReports(offender.address));
      for (let k = 1; k < need; ++k) await slashing.connect(validators[k]).report(offender.address, b, REASON);

      const amount = bps(STAKE, SLASHING_PARAMS.reportSlashBps);
      const honest = BigInt(GENESIS_COUNT - 1);
      const share = amount / honest;
      const remainder = amount - share * honest;
      expect(remainder).to.be.greaterThan(0n); // 100e18 / 6 leaves 4 wei
      const treasuryBefore = await token.balanceOf(treasury.address);
      const vsBefore = await token.balanceOf(validatorSetAddress);

      const tx = slashing.connect(validators[need]).report(offender.address, b, REASON);
      await expect(tx)
        .to.emit(slashing, "OffencePunished")
        .withArgs(offenceIdOf(offender.address, b, REASON), offender.address, amount);
      await expect(tx)
        .to.emit(validatorSet, "Slashed")
        .withArgs(offender.address, amount, REASON, SlashDestination.Validators);
      for (const v of validators.slice(1)) {
        await expect(tx).to.emit(validatorSet, "RewardsCredited").withArgs(v.address, share);
        expect((await validatorSet.getValidator(v.address)).rewards).to.equal(share);
      }
      const receipt = await (await tx).wait();
      const credited = receipt!.logs.filter(
        (l) =>
          l.address === validatorSetAddress &&
          l.topics[0] === validatorSet.interface.getEvent("RewardsCredited").topicHash,
      );
      expect(credited.length).to.equal(GENESIS_COUNT - 1);
      expect((await validatorSet.getValidator(offender.address)).rewards).to.equal(0n);
      expect((await validatorSet.getValidator(candidate.address)).rewards).to.equal(0n);
      expect(await token.balanceOf(treasury.address)).to.equal(treasuryBefore + remainder);
      expect(await token.balanceOf(validatorSetAddress)).to.equal(vsBefore - remainder);

      // The credited rewards are claimable.
      await expect(validatorSet.connect(validators[1]).claimRewards())
        .to.emit(validatorSet, "RewardsClaimed")
        .withArgs(validators[1].address, share);
    });

    it("gives no share to a validator that is jailed but still in force until the boundary", async function () {
      const { slashing, validatorSet, validators, admin, treasury, outsider } = await loadFixture(
        deploySlashingFixture,
      );
      await validatorSet.connect(admin).setSlashDestination(SlashDestination.Validators, treasury.address);
      const n = (await latestBlock()) - 1n;
      const evidence = async (i: number) => {
        const w = devWallet(i);
        return slashing
          .connect(outsider)
          .submitDoubleSignEvidence(n, ethers.id("a"), await signCommit(w, n, ethers.id("a")), ethers.id("b"), await signCommit(w, n, ethers.id("b")));
      };
      await evidence(1); // validators[0] jailed, still in force this epoch
      expect(await validatorSet.isActiveValidator(validators[0].address)).to.equal(true);
      const jailedRewards = (await validatorSet.getValidator(validators[0].address)).rewards;
      const tx = await evidence(2); // validators[1] slashed: shared among the 5 neither jailed nor offending
      const amount = bps(STAKE, SLASHING_PARAMS.doubleSignSlashBps);
      const share = amount / 5n;
      for (const v of validators.slice(2)) await expect(tx).to.emit(validatorSet, "RewardsCredited").withArgs(v.address, share);
      expect((await validatorSet.getValidator(validators[0].address)).rewards).to.equal(jailedRewards);
    });

    it("credits a double-sign slash to the other validators in force", async function () {
      const { slashing, validatorSet, validators, admin, treasury, outsider } = await loadFixture(
        deploySlashingFixture,
      );
      await validatorSet.connect(admin).setSlashDestination(SlashDestination.Validators, treasury.address);
      const n = (await latestBlock()) - 1n;
      const wallet = devWallet(4);
      const amount = bps(STAKE, SLASHING_PARAMS.doubleSignSlashBps);
      const share = amount / BigInt(GENESIS_COUNT - 1);
      const tx = slashing
        .connect(outsider)
        .submitDoubleSignEvidence(
          n,
          ethers.id("a"),
          await signCommit(wallet, n, ethers.id("a")),
          ethers.id("b"),
          await signCommit(wallet, n, ethers.id("b")),
        );
      await expect(tx)
        .to.emit(slashing, "DoubleSignPunished")
        .withArgs(validators[3].address, n, ethers.id("a"), ethers.id("b"), outsider.address, amount);
      const receipt = await (await tx).wait();
      const vsAddress = await validatorSet.getAddress();
      const credited = receipt!.logs
        .filter((l) => l.address === vsAddress)
        .map((l) => {
          try {
            return validatorSet.interface.parseLog(l);
          } catch {
            return null;
          }
        })
        .filter((e) => e?.name === "RewardsCredited")
        .map((e) => e!.args[0] as string);
      expect(credited).to.have.lengthOf(GENESIS_COUNT - 1);
      expect(credited).not.to.include(validators[3].address);
      for (const [i, v] of validators.entries()) {
        if (i === 3) {
          expect((await validatorSet.getValidator(v.address)).rewards).to.equal(0n);
        } else {
          await expect(tx).to.emit(validatorSet, "RewardsCredited").withArgs(v.address, share);
          expect((await validatorSet.getValidator(v.address)).rewards).to.equal(share);
        }
      }
    });
  });

  // -------------------------------------------------------------------------------- parameters

  describe("parameters", function () {
    const NEW_PARAMS: SlashingParams = {
      reportSlashBps: 2_000n,
      doubleSignSlashBps: 10_000n,
      downtimeSlashBps: 0n,
      spamSlashBps: 50n,
      maxReportAge: 7n,
      maxReportsPerEpoch: 1n,
      misdemeanorThreshold: 1n,
      felonyThreshold: 2n,
      downtimeWindow: 1n,
    };

    const INVALID: [keyof SlashingParams, bigint][] = [
      ["reportSlashBps", 10_001n],
      ["doubleSignSlashBps", 10_001n],
      ["downtimeSlashBps", 10_001n],
      ["spamSlashBps", 10_001n],
      ["maxReportAge", 0n],
      ["maxReportsPerEpoch", 0n],
      ["misdemeanorThreshold", 0n],
      ["felonyThreshold", SLASHING_PARAMS.misdemeanorThreshold],
      ["felonyThreshold", SLASHING_PARAMS.misdemeanorThreshold - 1n],
      ["downtimeWindow", 0n],
    ];

    it("setParams by GOVERNANCE_ROLE stores the parameters and emits ParamsChanged (boundary values accepted)", async function () {
      const { slashing, admin } = await loadFixture(deploySlashingFixture);
      await expect(slashing.connect(admin).setParams(NEW_PARAMS))
        .to.emit(slashing, "ParamsChanged")
        .withArgs(paramsTuple(NEW_PARAMS));
      expect(await slashing.params()).to.deep.equal(paramsTuple(NEW_PARAMS));
    });

    it("setParams reverts AccessControlUnauthorizedAccount for non-governance accounts", async function () {
      const { slashing, validators, outsider } = await loadFixture(deploySlashingFixture);
      const role = await slashing.GOVERNANCE_ROLE();
      for (const caller of [outsider, validators[0]]) {
        await expect(slashing.connect(caller).setParams(NEW_PARAMS))
          .to.be.revertedWithCustomError(slashing, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, role);
      }
      expect(await slashing.params()).to.deep.equal(paramsTuple(SLASHING_PARAMS));
    });

    for (const [name, value] of INVALID) {
      it(`setParams reverts SlashingInvalidParameter("${name}", ${value})`, async function () {
        const { slashing, admin } = await loadFixture(deploySlashingFixture);
        await expect(slashing.connect(admin).setParams({ ...SLASHING_PARAMS, [name]: value }))
          .to.be.revertedWithCustomError(slashing, "SlashingInvalidParameter")
          .withArgs(name, value);
      });

      it(`initialize reverts SlashingInvalidParameter("${name}", ${value})`, async function () {
        const { slashing, SlashingFactory, admin, validatorSetAddress } = await loadFixture(deploySlashingFixture);
        await expect(
          upgrades.deployProxy(
            SlashingFactory,
            [admin.address, validatorSetAddress, { ...SLASHING_PARAMS, [name]: value }],
            {
              kind: "uups",
            },
          ),
        )
          .to.be.revertedWithCustomError(slashing, "SlashingInvalidParameter")
          .withArgs(name, value);
      });
    }

    it("new parameters apply to the next report (maxReportsPerEpoch, spamSlashBps)", async function () {
      const { slashing, validatorSet, validators, admin } = await loadFixture(deploySlashingFixture);
      await slashing.connect(admin).setParams(NEW_PARAMS);
      await mineToNextEpoch(validatorSet);
      const b = (await latestBlock()) - 1n;
      await slashing.connect(validators[1]).report(validators[0].address, b, reasonOf("one"));
      const stake = await validatorSet.slashableStake(validators[1].address);
      const epoch = await validatorSet.epochOf((await latestBlock()) + 1n);
      await expect(slashing.connect(validators[1]).report(validators[0].address, b, reasonOf("two")))
        .to.emit(slashing, "ReporterPenalized")
        .withArgs(validators[1].address, epoch, 2n, bps(stake, NEW_PARAMS.spamSlashBps));
    });
  });

  // -------------------------------------------------------------------------------- pause

  describe("pause", function () {
    it("PAUSER_ROLE can pause but not unpause; others cannot pause", async function () {
      const { slashing, admin, outsider, validators } = await loadFixture(deploySlashingFixture);
      const pauser = validators[0];
      await expect(slashing.connect(outsider).pause())
        .to.be.revertedWithCustomError(slashing, "AccessControlUnauthorizedAccount")
        .withArgs(outsider.address, await slashing.PAUSER_ROLE());
      await slashing.connect(admin).grantRole(await slashing.PAUSER_ROLE(), pauser.address);
      await expect(slashing.connect(pauser).pause()).to.emit(slashing, "Paused").withArgs(pauser.address);
      await expect(slashing.connect(pauser).unpause())
        .to.be.revertedWithCustomError(slashing, "AccessControlUnauthorizedAccount")
        .withArgs(pauser.address, await slashing.GOVERNANCE_ROLE());
      await expect(slashing.connect(admin).unpause()).to.emit(slashing, "Unpaused").withArgs(admin.address);
    });

    it("report and submitDoubleSignEvidence revert EnforcedPause; the node's downtime record still works", async function () {
      const { slashing, validators, admin, outsider } = await loadFixture(deploySlashingFixture);
      await slashing.connect(admin).pause();
      const b = await latestBlock();
      await expect(
        slashing.connect(validators[1]).report(validators[0].address, b, REASON),
      ).to.be.revertedWithCustomError(slashing, "EnforcedPause");
      const wallet = devWallet(1);
      const n = b - 1n;
      await expect(
        slashing
          .connect(outsider)
          .submitDoubleSignEvidence(
            n,
            ethers.id("a"),
            await signCommit(wallet, n, ethers.id("a")),
            ethers.id("b"),
            await signCommit(wallet, n, ethers.id("b")),
          ),
      ).to.be.revertedWithCustomError(slashing, "EnforcedPause");
      const system = await systemSigner();
      await expect(slashing.connect(system).recordMissedProposal(validators[0].address))
        .to.emit(slashing, "MissedProposal")
        .withArgs(validators[0].address, 1n);
    });
  });

  // -------------------------------------------------------------------------------- upgrades

  describe("upgrades", function () {
    it("upgradeProxy by governance keeps the state (storage layout checked)", async function () {
      const { slashing, slashingAddress, SlashingFactory, validators, validatorSetAddress, admin } = await loadFixture(
        deploySlashingFixture,
      );
      const b = await latestBlock();
      const id = offenceIdOf(validators[0].address, b, REASON);
      await slashing.connect(validators[1]).report(validators[0].address, b, REASON);
      const system = await systemSigner();
      await slashing.connect(system).recordMissedProposal(validators[2].address);
      const missBlock = await latestBlock();
      const newParams = { ...SLASHING_PARAMS, maxReportAge: 77n };
      await slashing.connect(admin).setParams(newParams);
      const epoch = await (await ethers.getContractAt("ValidatorSet", validatorSetAddress)).epochOf(b + 1n);

      const implBefore = await upgrades.erc1967.getImplementationAddress(slashingAddress);
      const upgraded = (await upgrades.upgradeProxy(slashingAddress, SlashingFactory.connect(admin), {
        kind: "uups",
        redeployImplementation: "always",
      })) as unknown as Slashing;
      const implAfter = await upgrades.erc1967.getImplementationAddress(slashingAddress);
      expect(implAfter).not.to.equal(implBefore);
      expect(await upgraded.getAddress()).to.equal(slashingAddress);

      expect(await upgraded.validatorSet()).to.equal(validatorSetAddress);
      expect(await upgraded.params()).to.deep.equal(paramsTuple(newParams));
      const offence = await upgraded.getOffence(id);
      expect(offence.reports).to.equal(1n);
      expect(offence.offender).to.equal(validators[0].address);
      expect(await upgraded.hasReported(id, validators[1].address)).to.equal(true);
      expect(await upgraded.reportsInEpoch(validators[1].address, epoch)).to.equal(1n);
      expect(await upgraded.downtimeOf(validators[2].address)).to.deep.equal([1n, missBlock]);
      expect(await upgraded.hasRole(await upgraded.GOVERNANCE_ROLE(), admin.address)).to.equal(true);

      // Still works: the next report counts on.
      await expect(upgraded.connect(validators[2]).report(validators[0].address, b, REASON))
        .to.emit(upgraded, "OffenceReported")
        .withArgs(id, validators[2].address, validators[0].address, b, REASON, 2n, await upgraded.requiredReports(validators[0].address));
    });

    it("an upgrade from a non-governance account reverts AccessControlUnauthorizedAccount", async function () {
      const { slashing, slashingAddress, SlashingFactory, outsider } = await loadFixture(deploySlashingFixture);
      const role = await slashing.GOVERNANCE_ROLE();
      const implBefore = await upgrades.erc1967.getImplementationAddress(slashingAddress);
      await expect(
        upgrades.upgradeProxy(slashingAddress, SlashingFactory.connect(outsider), {
          kind: "uups",
          redeployImplementation: "always",
        }),
      )
        .to.be.revertedWithCustomError(slashing, "AccessControlUnauthorizedAccount")
        .withArgs(outsider.address, role);

      const newImpl = (await upgrades.prepareUpgrade(slashingAddress, SlashingFactory, {
        kind: "uups",
        redeployImplementation: "always",
      })) as string;
      await expect(slashing.connect(outsider).upgradeToAndCall(newImpl, "0x"))
        .to.be.revertedWithCustomError(slashing, "AccessControlUnauthorizedAccount")
        .withArgs(outsider.address, role);
      expect(await upgrades.erc1967.getImplementationAddress(slashingAddress)).to.equal(implBefore);
    });
  });
});
