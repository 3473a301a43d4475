import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, mine } from "@nomicfoundation/hardhat-network-helpers";
import { deploySystemFixture, mineTo, passProposal, type SystemFixture, expectErrorCode } from "../../fixtures/system";
import { stake } from "../../../ops/validator/stake";
import { join } from "../../../ops/validator/join";
import { unstake } from "../../../ops/validator/unstake";
import { withdraw } from "../../../ops/validator/withdraw";
import { report } from "../../../ops/validator/report";

async function approve(f: SystemFixture, candidate: string): Promise<void> {
  const vs = await f.validatorSet.getAddress();
  await passProposal(f, [vs], [0n], [f.validatorSet.interface.encodeFunctionData("approveCandidate", [candidate])], `ops test: approve ${candidate}`);
}

describe("ops/validator", function () {
  describe("stake", function () {
    it("approves the token when needed and bonds; an approved candidate reaching the minimum enters the set", async function () {
      const f = await loadFixture(deploySystemFixture);
      const candidate = f.outsiders[0]!;
      const validatorSet = await f.validatorSet.getAddress();
      const min = f.config.validatorSet.minStake;
      await (await f.stakingToken.connect(f.deployer).transfer(candidate.address, min)).wait();
      const half = await stake(candidate, { validatorSet, amount: min / 2n });
      expect(half).to.include({ validator: candidate.address, stake: min / 2n, minStake: min, listed: false, approved: false });
      expect(half.approvalTransactionHash).to.match(/^0x/);
      expect(half.effectiveBlock).to.equal(undefined);
      await approve(f, candidate.address);
      const rest = await stake(candidate, { validatorSet, amount: min / 2n });
      expect(rest).to.include({ stake: min, listed: true, approved: true });
      expect(rest.effectiveBlock).to.equal(await f.validatorSet.nextEpochStartBlock());
    });

    it("stakes for another validator without a new approval when the allowance suffices", async function () {
      const f = await loadFixture(deploySystemFixture);
      const validatorSet = await f.validatorSet.getAddress();
      await (await f.stakingToken.connect(f.deployer).approve(validatorSet, ethers.parseEther("5"))).wait();
      const before = (await f.validatorSet.getValidator(f.validators[0]!.address)).stake;
      const r = await stake(f.deployer, { validatorSet, amount: ethers.parseEther("5"), validator: f.validators[0]!.address });
      expect(r.stake).to.equal(before + ethers.parseEther("5"));
      expect(r.approvalTransactionHash).to.equal(undefined);
    });

    it("says when the sender holds too few tokens (OP_PRECONDITION)", async function () {
      const f = await loadFixture(deploySystemFixture);
      await expectErrorCode(
        stake(f.outsiders[1]!, { validatorSet: await f.validatorSet.getAddress(), amount: 1n }),
        "OP_PRECONDITION",
        /holds 0.0 staking tokens, less than the 0.000000000000000001 to stake/,
      );
    });
  });

  describe("join", function () {
    it("sends nothing for a validator in the set, and re-enters one that left", async function () {
      const f = await loadFixture(deploySystemFixture);
      const validatorSet = await f.validatorSet.getAddress();
      const v = f.validators[3]!;
      const block = await ethers.provider.getBlockNumber();
      expect(await join(v, { validatorSet })).to.deep.equal({ validator: v.address, alreadyListed: true });
      expect(await ethers.provider.getBlockNumber()).to.equal(block);
      await (await f.validatorSet.connect(v).leave()).wait();
      await mineTo(await f.validatorSet.nextEpochStartBlock());
      const r = await join(v, { validatorSet });
      expect(r.alreadyListed).to.equal(false);
      if (!r.alreadyListed) expect(r.effectiveBlock).to.equal(await f.validatorSet.nextEpochStartBlock());
      expect((await f.validatorSet.getValidator(v.address)).listed).to.equal(true);
    });

    it("names ValidatorSetNotApproved with the hint to ask governance", async function () {
      const f = await loadFixture(deploySystemFixture);
      await expectErrorCode(join(f.outsiders[0]!, { validatorSet: await f.validatorSet.getAddress() }), "CONTRACT_REVERT", /join reverted with ValidatorSetNotApproved\(0x[0-9a-fA-F]{40}\): the candidate needs governance approval/);
    });
  });

  describe("unstake and withdraw", function () {
    it("starts unbonding, refuses an early withdrawal, and pays back after the unbonding period", async function () {
      const f = await loadFixture(deploySystemFixture);
      const validatorSet = await f.validatorSet.getAddress();
      const v = f.validators[3]!;
      const u = await unstake(v, { validatorSet, amount: ethers.parseEther("1") });
      expect(u).to.include({ validator: v.address, unbonding: ethers.parseEther("1"), listed: false });
      expect(u.releaseBlock).to.equal(BigInt(await ethers.provider.getBlockNumber()) + 20n);
      await expectErrorCode(withdraw(v, { validatorSet }), "CONTRACT_REVERT", /withdraw reverted with ValidatorSetUnbonding\(\d+\)/);
      await mineTo(u.releaseBlock);
      const before = await f.stakingToken.balanceOf(v.address);
      const w = await withdraw(v, { validatorSet });
      expect(w.amount).to.equal(ethers.parseEther("1"));
      expect(await f.stakingToken.balanceOf(v.address)).to.equal(before + ethers.parseEther("1"));
    });
  });

  describe("report", function () {
    it("files a counted report and says how many are needed", async function () {
      const f = await loadFixture(deploySystemFixture);
      await mine(2);
      const block = BigInt(await ethers.provider.getBlockNumber()) - 1n;
      const reason = ethers.encodeBytes32String("invalid block");
      const r = await report(f.validators[0]!, { slashing: await f.slashing.getAddress(), offender: f.validators[2]!.address, blockNumber: block, reason });
      expect(r).to.include({ counted: true, reports: 1n, punished: false });
      expect(r.required).to.equal(await f.slashing.requiredReports(f.validators[2]!.address));
      expect(r.offenceId).to.equal(await f.slashing.offenceId(f.validators[2]!.address, block, reason));
    });

    it("names the contract's error before sending (a future block)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const block = await ethers.provider.getBlockNumber();
      await expectErrorCode(
        report(f.validators[0]!, { slashing: await f.slashing.getAddress(), offender: f.validators[2]!.address, blockNumber: 999_999n, reason: ethers.ZeroHash }),
        "CONTRACT_REVERT",
        /report reverted with SlashingFutureBlock\(999999, \d+\)/,
      );
      expect(await ethers.provider.getBlockNumber()).to.equal(block);
    });
  });
});
