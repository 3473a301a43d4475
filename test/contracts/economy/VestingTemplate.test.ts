import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ETHER } from "../../fixtures/system";
import { bareClone, deployEconomyFixture, deployedInstance, Kind, newVesting, NO_LIMITS, now, type EconomyFixture } from "./economy.fixture";
import { shouldBehaveLikeTemplate } from "./template.behavior";
import type { VestingTemplate } from "../../../typechain-types";

shouldBehaveLikeTemplate("VestingTemplate", async (f, limits) => {
  const beneficiary = f.users[0]!;
  // fully vested already: every release is limited only by the limits under test
  const start = (await now()) - 10_000n;
  const t = await newVesting(f, { beneficiary: beneficiary.address, start, cliff: 0, duration: 1, revocable: true }, 10_000n * ETHER, { limits });
  return {
    f,
    template: await ethers.getContractAt("Template", await t.getAddress()),
    owner: f.cp,
    actors: [beneficiary],
    operate: (actor, amount) => t.connect(actor).release(amount),
    reinitialize: async (target) =>
      (await ethers.getContractAt("VestingTemplate", target)).initialize(
        f.cp.address,
        await f.token.getAddress(),
        { beneficiary: beneficiary.address, start, cliff: 0, duration: 1, revocable: true },
        1n,
        NO_LIMITS,
      ),
    kind: Kind.Vesting,
    implementationName: "VestingTemplate",
  };
}, { singleAccount: true }); // one beneficiary

describe("VestingTemplate", function () {
  const TOTAL = 1_000_003n; // not a multiple of the duration, so rounding shows
  const CLIFF = 100n;
  const DURATION = 1_000n;

  interface Setup {
    f: EconomyFixture;
    v: VestingTemplate;
    start: bigint;
    beneficiary: Awaited<ReturnType<typeof ethers.getSigner>>;
  }

  async function setup(revocable = true): Promise<Setup> {
    const f = await loadFixture(deployEconomyFixture);
    const start = (await now()) + 1_000n;
    const beneficiary = f.users[0]!;
    const v = await newVesting(f, { beneficiary: beneficiary.address, start, cliff: CLIFF, duration: DURATION, revocable }, TOTAL);
    return { f, v, start, beneficiary };
  }

  /** Mines the next transaction at exactly `t`. */
  async function at(t: bigint): Promise<void> {
    await time.setNextBlockTimestamp(t);
  }

  describe("deployment through the factory", function () {
    it("moves the grantor's tokens into the clone and emits VestingScheduled", async function () {
      const f = await loadFixture(deployEconomyFixture);
      const start = (await now()) + 50n;
      const before = await f.token.balanceOf(f.cp.address);
      await f.token.connect(f.cp).approve(await f.templateFactory.getAddress(), TOTAL);
      const schedule = { beneficiary: f.users[1]!.address, start, cliff: 10, duration: 20, revocable: false };
      const tx = f.templateFactory.connect(f.cp).deployVesting(await f.token.getAddress(), schedule, TOTAL, NO_LIMITS);
      const v = await ethers.getContractAt("VestingTemplate", await deployedInstance(f.templateFactory, tx));
      await expect(tx).to.emit(v, "VestingScheduled").withArgs(f.users[1]!.address, TOTAL, start, 10, 20, false);
      expect(await f.token.balanceOf(await v.getAddress())).to.equal(TOTAL);
      expect(await f.token.balanceOf(f.cp.address)).to.equal(before - TOTAL);
      const s = await v.schedule();
      expect([s.beneficiary, s.start, s.cliff, s.duration, s.revocable]).to.deep.equal([f.users[1]!.address, start, 10n, 20n, false]);
      expect(await v.totals()).to.deep.equal([TOTAL, 0n, 0n]);
      expect(await v.owner()).to.equal(f.cp.address);
    });

    it("needs the grantor's allowance to the factory", async function () {
      const f = await loadFixture(deployEconomyFixture);
      const schedule = { beneficiary: f.users[1]!.address, start: 0, cliff: 0, duration: 1, revocable: false };
      await expect(f.templateFactory.connect(f.cp).deployVesting(await f.token.getAddress(), schedule, 5n, NO_LIMITS))
        .to.be.revertedWithCustomError(f.token, "ERC20InsufficientAllowance")
        .withArgs(await f.templateFactory.getAddress(), 0n, 5n);
    });

    it("refuses a zero duration, a cliff longer than the duration, a zero beneficiary and a zero amount", async function () {
      const f = await loadFixture(deployEconomyFixture);
      const impl = await ethers.getContractAt("VestingTemplate", f.implementations.VestingTemplate);
      const token = await f.token.getAddress();
      await f.token.connect(f.cp).approve(await f.templateFactory.getAddress(), ethers.MaxUint256);
      const ok = { beneficiary: f.users[1]!.address, start: 1000, cliff: 10, duration: 10, revocable: true };
      const deploy = (s: typeof ok, amount = 100n) => f.templateFactory.connect(f.cp).deployVesting(token, s, amount, NO_LIMITS);
      await expect(deploy({ ...ok, duration: 0, cliff: 0 }))
        .to.be.revertedWithCustomError(impl, "VestingTemplateInvalidSchedule")
        .withArgs(1000, 0, 0);
      await expect(deploy({ ...ok, cliff: 11 }))
        .to.be.revertedWithCustomError(impl, "VestingTemplateInvalidSchedule")
        .withArgs(1000, 11, 10);
      await expect(deploy({ ...ok, beneficiary: ethers.ZeroAddress }))
        .to.be.revertedWithCustomError(impl, "TemplateZeroAddress")
        .withArgs("beneficiary");
      await expect(deploy(ok, 0n)).to.be.revertedWithCustomError(impl, "TemplateZeroAmount");
      await expect(deploy(ok)).not.to.be.reverted; // cliff == duration is allowed
    });

    it("a clone that does not hold its total refuses to initialise (VestingTemplateUnderfunded)", async function () {
      const f = await loadFixture(deployEconomyFixture);
      const clone = await ethers.getContractAt("VestingTemplate", await bareClone(f.implementations.VestingTemplate));
      await f.token.transfer(await clone.getAddress(), 99n);
      const s = { beneficiary: f.users[1]!.address, start: 0, cliff: 0, duration: 1, revocable: false };
      await expect(clone.initialize(f.cp.address, await f.token.getAddress(), s, 100n, NO_LIMITS))
        .to.be.revertedWithCustomError(clone, "VestingTemplateUnderfunded")
        .withArgs(99n, 100n);
      await expect(clone.initialize(ethers.ZeroAddress, await f.token.getAddress(), s, 99n, NO_LIMITS))
        .to.be.revertedWithCustomError(clone, "TemplateZeroAddress")
        .withArgs("owner");
      await expect(clone.initialize(f.cp.address, ethers.ZeroAddress, s, 99n, NO_LIMITS))
        .to.be.revertedWithCustomError(clone, "TemplateZeroAddress")
        .withArgs("token");
      await expect(clone.initialize(f.cp.address, await f.token.getAddress(), s, 99n, NO_LIMITS)).to.emit(clone, "VestingScheduled");
    });
  });

  describe("vesting math (exact integers)", function () {
    it("nothing before the cliff, the linear amount from the cliff, everything from the end", async function () {
      const { v, start } = await setup();
      expect(await v.vestedAmount(0)).to.equal(0n);
      expect(await v.vestedAmount(start)).to.equal(0n);
      expect(await v.vestedAmount(start + CLIFF - 1n)).to.equal(0n);
      expect(await v.vestedAmount(start + CLIFF)).to.equal(100_000n); // 1,000,003 × 100 / 1000 = 100,000.3
      expect(await v.vestedAmount(start + 500n)).to.equal(500_001n); // 500,001.5
      expect(await v.vestedAmount(start + 999n)).to.equal(999_002n); // 999,002.997
      expect(await v.vestedAmount(start + DURATION)).to.equal(TOTAL);
      expect(await v.vestedAmount(start + DURATION + 1_000_000n)).to.equal(TOTAL);
    });

    it("the beneficiary releases at the cliff, mid-way and at the end, receiving exactly the vested amounts", async function () {
      const { f, v, start, beneficiary } = await setup();
      const b0 = await f.token.balanceOf(beneficiary.address);
      await at(start + CLIFF - 1n);
      await expect(v.connect(beneficiary).release(1n))
        .to.be.revertedWithCustomError(v, "VestingTemplateAmountExceedsReleasable")
        .withArgs(1n, 0n);
      await at(start + CLIFF);
      await expect(v.connect(beneficiary).release(100_000n)).to.emit(v, "Released").withArgs(beneficiary.address, 100_000n, 100_000n);
      await at(start + 500n);
      await expect(v.connect(beneficiary).release(400_002n))
        .to.be.revertedWithCustomError(v, "VestingTemplateAmountExceedsReleasable")
        .withArgs(400_002n, 400_001n);
      await at(start + 501n);
      // at start + 501: 501,001.503 vested → 401,001 releasable
      expect(await v.vestedAmount(start + 501n)).to.equal(501_001n);
      await expect(v.connect(beneficiary).release(401_001n)).to.emit(v, "Released").withArgs(beneficiary.address, 401_001n, 501_001n);
      await at(start + DURATION);
      await expect(v.connect(beneficiary).release(TOTAL - 501_001n))
        .to.emit(v, "Released")
        .withArgs(beneficiary.address, TOTAL - 501_001n, TOTAL);
      expect(await f.token.balanceOf(beneficiary.address)).to.equal(b0 + TOTAL);
      expect(await f.token.balanceOf(await v.getAddress())).to.equal(0n);
      expect(await v.releasable()).to.equal(0n);
      expect(await v.totals()).to.deep.equal([TOTAL, TOTAL, 0n]);
    });

    it("only the beneficiary releases", async function () {
      const { f, v, start } = await setup();
      await time.increaseTo(start + DURATION);
      await expect(v.connect(f.cp).release(1n))
        .to.be.revertedWithCustomError(v, "VestingTemplateNotBeneficiary")
        .withArgs(f.cp.address);
    });
  });

  describe("revocation", function () {
    it("mid-way: the unvested part returns to the grantor, the vested part stays claimable and stops growing", async function () {
      const { f, v, start, beneficiary } = await setup();
      await at(start + CLIFF);
      await v.connect(beneficiary).release(100_000n);
      const grantorBefore = await f.token.balanceOf(f.cp.address);
      await at(start + 400n);
      // vested at start + 400: 400,001.2 → 400,001; unvested 600,002
      await expect(v.connect(f.cp).revoke()).to.emit(v, "Revoked").withArgs(f.cp.address, 600_002n, 400_001n);
      expect(await f.token.balanceOf(f.cp.address)).to.equal(grantorBefore + 600_002n);
      expect(await v.totals()).to.deep.equal([400_001n, 100_000n, start + 400n]);
      expect(await v.vestedAmount(start + DURATION * 10n)).to.equal(400_001n);
      await time.increaseTo(start + DURATION * 2n);
      expect(await v.releasable()).to.equal(300_001n);
      await expect(v.connect(beneficiary).release(300_001n)).to.emit(v, "Released").withArgs(beneficiary.address, 300_001n, 400_001n);
      await expect(v.connect(beneficiary).release(1n))
        .to.be.revertedWithCustomError(v, "VestingTemplateAmountExceedsReleasable")
        .withArgs(1n, 0n);
      expect(await f.token.balanceOf(await v.getAddress())).to.equal(0n);
    });

    it("before the cliff: everything returns to the grantor", async function () {
      const { f, v, start } = await setup();
      const grantorBefore = await f.token.balanceOf(f.cp.address);
      await at(start + CLIFF - 1n);
      await expect(v.connect(f.cp).revoke()).to.emit(v, "Revoked").withArgs(f.cp.address, TOTAL, 0n);
      expect(await f.token.balanceOf(f.cp.address)).to.equal(grantorBefore + TOTAL);
      expect(await v.releasable()).to.equal(0n);
    });

    it("after the end: nothing returns, everything stays the beneficiary's", async function () {
      const { f, v, start, beneficiary } = await setup();
      await time.increaseTo(start + DURATION);
      const grantorBefore = await f.token.balanceOf(f.cp.address);
      await expect(v.connect(f.cp).revoke()).to.emit(v, "Revoked").withArgs(f.cp.address, 0n, TOTAL);
      expect(await f.token.balanceOf(f.cp.address)).to.equal(grantorBefore);
      await expect(v.connect(beneficiary).release(TOTAL)).not.to.be.reverted;
    });

    it("only once, only by the owner, only when revocable", async function () {
      const { f, v, start } = await setup();
      await expect(v.connect(f.users[0]!).revoke())
        .to.be.revertedWithCustomError(v, "OwnableUnauthorizedAccount")
        .withArgs(f.users[0]!.address);
      await at(start + 10n);
      await v.connect(f.cp).revoke();
      await expect(v.connect(f.cp).revoke())
        .to.be.revertedWithCustomError(v, "VestingTemplateAlreadyRevoked")
        .withArgs(start + 10n);

      const irrevocable = await newVesting(
        f,
        { beneficiary: f.users[1]!.address, start, cliff: 0, duration: 10, revocable: false },
        100n,
      );
      await expect(irrevocable.connect(f.cp).revoke()).to.be.revertedWithCustomError(irrevocable, "VestingTemplateNotRevocable");
    });
  });
});
