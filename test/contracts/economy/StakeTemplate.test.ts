import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ETHER } from "../../fixtures/system";
import { bareClone, deployEconomyFixture, deployedInstance, Kind, newStake, NO_LIMITS, now } from "./economy.fixture";
import { shouldBehaveLikeTemplate } from "./template.behavior";

shouldBehaveLikeTemplate("StakeTemplate", async (f, limits) => {
  const t = await newStake(f, 0, { limits });
  for (const u of f.users) await (await f.token.connect(u).approve(await t.getAddress(), ethers.MaxUint256)).wait();
  return {
    f,
    template: await ethers.getContractAt("Template", await t.getAddress()),
    owner: f.cp,
    actors: f.users.slice(0, 2),
    operate: (actor, amount) => t.connect(actor).stake(amount),
    reinitialize: async (target) =>
      (await ethers.getContractAt("StakeTemplate", target)).initialize(f.cp.address, await f.token.getAddress(), 0, NO_LIMITS),
    kind: Kind.Stake,
    implementationName: "StakeTemplate",
  };
});

describe("StakeTemplate", function () {
  const LOCK = 7 * 86_400;

  async function setup(limits = NO_LIMITS) {
    const f = await loadFixture(deployEconomyFixture);
    const s = await newStake(f, LOCK, { limits });
    const [alice, bob] = f.users;
    for (const u of [alice!, bob!]) await f.token.connect(u).approve(await s.getAddress(), ethers.MaxUint256);
    return { f, s, alice: alice!, bob: bob! };
  }

  it("initialises with its lock period (LockPeriodSet) and refuses a lock above four years", async function () {
    const f = await loadFixture(deployEconomyFixture);
    const max = 4n * 365n * 86_400n;
    const s = await newStake(f, Number(max));
    expect(await s.lockPeriod()).to.equal(max);
    expect(await s.MAX_LOCK_PERIOD()).to.equal(max);
    const impl = await ethers.getContractAt("StakeTemplate", f.implementations.StakeTemplate);
    await expect(f.templateFactory.connect(f.cp).deployStake(await f.token.getAddress(), max + 1n, NO_LIMITS))
      .to.be.revertedWithCustomError(impl, "StakeTemplateLockTooLong")
      .withArgs(max + 1n, max);
    const clone = await ethers.getContractAt("StakeTemplate", await bareClone(f.implementations.StakeTemplate));
    await expect(clone.initialize(f.cp.address, await f.token.getAddress(), 5, NO_LIMITS)).to.emit(clone, "LockPeriodSet").withArgs(5);
  });

  it("stake moves the tokens in, books the stake, locks it and emits Staked", async function () {
    const { f, s, alice } = await setup();
    const before = await f.token.balanceOf(alice.address);
    const t0 = (await now()) + 10n;
    await time.setNextBlockTimestamp(t0);
    await expect(s.connect(alice).stake(100n * ETHER))
      .to.emit(s, "Staked")
      .withArgs(alice.address, 100n * ETHER, 100n * ETHER, t0 + BigInt(LOCK));
    expect(await s.stakeOf(alice.address)).to.deep.equal([100n * ETHER, t0 + BigInt(LOCK)]);
    expect(await s.totalStaked()).to.equal(100n * ETHER);
    expect(await f.token.balanceOf(alice.address)).to.equal(before - 100n * ETHER);
    expect(await f.token.balanceOf(await s.getAddress())).to.equal(100n * ETHER);
  });

  it("unstake fails one second before the lock ends and succeeds exactly at it", async function () {
    const { f, s, alice } = await setup();
    const t0 = (await now()) + 10n;
    await time.setNextBlockTimestamp(t0);
    await s.connect(alice).stake(100n * ETHER);
    const unlockAt = t0 + BigInt(LOCK);
    await time.setNextBlockTimestamp(unlockAt - 1n);
    await expect(s.connect(alice).unstake(1n)).to.be.revertedWithCustomError(s, "StakeTemplateLocked").withArgs(alice.address, unlockAt);
    await time.setNextBlockTimestamp(unlockAt);
    const before = await f.token.balanceOf(alice.address);
    await expect(s.connect(alice).unstake(40n * ETHER)).to.emit(s, "Unstaked").withArgs(alice.address, 40n * ETHER, 60n * ETHER);
    expect(await f.token.balanceOf(alice.address)).to.equal(before + 40n * ETHER);
    expect(await s.stakeOf(alice.address)).to.deep.equal([60n * ETHER, unlockAt]);
    expect(await s.totalStaked()).to.equal(60n * ETHER);
  });

  it("a new stake extends the lock of the whole stake", async function () {
    const { s, alice } = await setup();
    const t0 = (await now()) + 10n;
    await time.setNextBlockTimestamp(t0);
    await s.connect(alice).stake(10n);
    await time.setNextBlockTimestamp(t0 + BigInt(LOCK) - 5n);
    await s.connect(alice).stake(1n);
    const unlockAt = t0 + 2n * BigInt(LOCK) - 5n;
    expect(await s.stakeOf(alice.address)).to.deep.equal([11n, unlockAt]);
    await time.setNextBlockTimestamp(t0 + BigInt(LOCK));
    await expect(s.connect(alice).unstake(10n)).to.be.revertedWithCustomError(s, "StakeTemplateLocked").withArgs(alice.address, unlockAt);
  });

  it("cannot unstake more than the stake, nor zero", async function () {
    const { s, alice, bob } = await setup();
    await s.connect(alice).stake(10n);
    await time.increase(LOCK);
    await expect(s.connect(alice).unstake(11n))
      .to.be.revertedWithCustomError(s, "StakeTemplateInsufficientStake")
      .withArgs(alice.address, 11n, 10n);
    await expect(s.connect(bob).unstake(1n)).to.be.revertedWithCustomError(s, "StakeTemplateInsufficientStake").withArgs(bob.address, 1n, 0n);
    await expect(s.connect(alice).unstake(0n)).to.be.revertedWithCustomError(s, "TemplateZeroAmount");
    await expect(s.connect(alice).unstake(10n)).to.emit(s, "Unstaked").withArgs(alice.address, 10n, 0n);
  });

  it("stakes are per account", async function () {
    const { s, alice, bob } = await setup();
    await s.connect(alice).stake(10n);
    await s.connect(bob).stake(20n);
    expect((await s.stakeOf(alice.address))[0]).to.equal(10n);
    expect((await s.stakeOf(bob.address))[0]).to.equal(20n);
    expect(await s.totalStaked()).to.equal(30n);
  });

  it("unstaking works while paused and ignores the limits: the owner cannot hold deposits", async function () {
    const { f, s, alice } = await setup({ maxPerTransfer: 100n, maxPerDayCount: 1n, maxPerDayAmount: 100n });
    await s.connect(alice).stake(100n);
    await time.increase(LOCK);
    await s.connect(f.cp).pause();
    await s.connect(f.cp).setLimits({ maxPerTransfer: 1n, maxPerDayCount: 1n, maxPerDayAmount: 1n });
    await expect(s.connect(alice).stake(1n)).to.be.revertedWithCustomError(s, "EnforcedPause");
    await expect(s.connect(alice).unstake(60n)).to.emit(s, "Unstaked").withArgs(alice.address, 60n, 40n);
    await expect(s.connect(alice).unstake(40n)).to.emit(s, "Unstaked").withArgs(alice.address, 40n, 0n);
  });

  it("a zero lock period allows unstaking at once", async function () {
    const f = await loadFixture(deployEconomyFixture);
    const s = await newStake(f, 0);
    await f.token.connect(f.users[0]!).approve(await s.getAddress(), 5n);
    await s.connect(f.users[0]!).stake(5n);
    await expect(s.connect(f.users[0]!).unstake(5n)).to.emit(s, "Unstaked");
  });

  it("a token that calls back into the template during a transfer hits the reentrancy guard", async function () {
    const f = await loadFixture(deployEconomyFixture);
    const [alice] = f.users;
    const ret = await (await ethers.getContractFactory("ReentrantTokenMock")).deploy(1000n, alice!.address);
    const addr = await deployedInstance(f.templateFactory, f.templateFactory.connect(f.cp).deployStake(await ret.getAddress(), 0, NO_LIMITS));
    const s = await ethers.getContractAt("StakeTemplate", addr);
    await ret.connect(alice!).approve(addr, ethers.MaxUint256);
    await ret.setReentry(addr, s.interface.encodeFunctionData("stake", [1n]));
    await expect(s.connect(alice!).stake(10n)).to.be.revertedWithCustomError(s, "ReentrancyGuardReentrantCall");
    await ret.setReentry(ethers.ZeroAddress, "0x"); // disarmed: a plain stake works
    await expect(s.connect(alice!).stake(10n)).to.emit(s, "Staked");
    await ret.setReentry(addr, s.interface.encodeFunctionData("unstake", [1n]));
    await expect(s.connect(alice!).unstake(5n)).to.be.revertedWithCustomError(s, "ReentrancyGuardReentrantCall");
  });
});
