import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ETHER } from "../../fixtures/system";
import { bareClone, deployEconomyFixture, newEngine, now, type EconomyFixture } from "./economy.fixture";
import type { RewardEngine } from "../../../typechain-types";

const id = (text: string) => ethers.encodeBytes32String(text);
const LOGIN = id("daily-login");
const QUEST = id("quest-complete");
const occ = (n: number) => ethers.solidityPackedKeccak256(["string", "uint256"], ["occurrence", n]);

describe("RewardEngine", function () {
  interface Setup {
    f: EconomyFixture;
    e: RewardEngine;
    owner: EconomyFixture["pd"];
    reporter: EconomyFixture["reporter"];
  }

  /** An engine owned by the PD, funded with `funds`, with the reporter authorised. */
  async function setup(funds = 1_000n * ETHER): Promise<Setup> {
    const f = await loadFixture(deployEconomyFixture);
    const e = await newEngine(f);
    await f.token.connect(f.pd).approve(await e.getAddress(), ethers.MaxUint256);
    if (funds > 0n) await e.connect(f.pd).fund(funds);
    await e.connect(f.pd).setReporter(f.reporter.address, true);
    return { f, e, owner: f.pd, reporter: f.reporter };
  }

  describe("initialisation", function () {
    it("records owner, token and factory; a clone cannot be initialised again nor the implementation at all", async function () {
      const { f, e } = await setup(0n);
      expect(await e.owner()).to.equal(f.pd.address);
      expect(await e.token()).to.equal(await f.token.getAddress());
      expect(await e.factory()).to.equal(await f.rewardEngineFactory.getAddress());
      await expect(e.initialize(f.pd.address, await f.token.getAddress())).to.be.revertedWithCustomError(e, "InvalidInitialization");
      const impl = await ethers.getContractAt("RewardEngine", f.implementations.RewardEngine);
      await expect(impl.initialize(f.pd.address, await f.token.getAddress())).to.be.revertedWithCustomError(impl, "InvalidInitialization");
    });

    it("a bare clone refuses a zero owner or token", async function () {
      const f = await loadFixture(deployEconomyFixture);
      const clone = await ethers.getContractAt("RewardEngine", await bareClone(f.implementations.RewardEngine));
      await expect(clone.initialize(ethers.ZeroAddress, await f.token.getAddress()))
        .to.be.revertedWithCustomError(clone, "RewardEngineZeroAddress")
        .withArgs("owner");
      await expect(clone.initialize(f.pd.address, ethers.ZeroAddress)).to.be.revertedWithCustomError(clone, "RewardEngineZeroAddress").withArgs("token");
    });
  });

  describe("funding and budgets", function () {
    it("fund pulls tokens (Funded); anyone may fund; zero is refused", async function () {
      const { f, e } = await setup(0n);
      await expect(e.connect(f.pd).fund(100n)).to.emit(e, "Funded").withArgs(f.pd.address, 100n);
      await f.token.connect(f.users[0]!).approve(await e.getAddress(), 5n);
      await expect(e.connect(f.users[0]!).fund(5n)).to.emit(e, "Funded").withArgs(f.users[0]!.address, 5n);
      expect(await f.token.balanceOf(await e.getAddress())).to.equal(105n);
      expect(await e.unallocated()).to.equal(105n);
      await expect(e.connect(f.pd).fund(0n)).to.be.revertedWithCustomError(e, "RewardEngineZeroAmount");
    });

    it("defineBehaviour sets aside the budget from unallocated funds (BehaviourDefined)", async function () {
      const { e, owner } = await setup(1_000n);
      await expect(e.connect(owner).defineBehaviour(LOGIN, 10n, 50n, 3600, 600n))
        .to.emit(e, "BehaviourDefined")
        .withArgs(LOGIN, 10n, 50n, 3600, 600n);
      const b = await e.behaviour(LOGIN);
      expect([b.rewardPerOccurrence, b.cooldown, b.perUserCap, b.budget, b.paid]).to.deep.equal([10n, 3600n, 50n, 600n, 0n]);
      expect(await e.allocated()).to.equal(600n);
      expect(await e.unallocated()).to.equal(400n);
      expect(await e.behaviourIds()).to.deep.equal([LOGIN]);
    });

    it("a budget beyond the unallocated funds is refused; exactly all of them passes", async function () {
      const { e, owner } = await setup(1_000n);
      await e.connect(owner).defineBehaviour(LOGIN, 10n, 0n, 0, 600n);
      await expect(e.connect(owner).defineBehaviour(QUEST, 10n, 0n, 0, 401n))
        .to.be.revertedWithCustomError(e, "RewardEngineInsufficientFunds")
        .withArgs(401n, 400n);
      await expect(e.connect(owner).defineBehaviour(QUEST, 10n, 0n, 0, 400n)).to.emit(e, "BehaviourDefined");
      expect(await e.unallocated()).to.equal(0n);
    });

    it("redefining raises or lowers the budget (not below what was paid) and keeps the id list unique", async function () {
      const { f, e, owner, reporter } = await setup(1_000n);
      await e.connect(owner).defineBehaviour(LOGIN, 10n, 0n, 0, 100n);
      await e.connect(reporter).report(LOGIN, f.users[0]!.address, occ(1));
      await e.connect(reporter).report(LOGIN, f.users[1]!.address, occ(2));
      expect(await e.allocated()).to.equal(80n);
      await expect(e.connect(owner).defineBehaviour(LOGIN, 10n, 0n, 0, 19n))
        .to.be.revertedWithCustomError(e, "RewardEngineBudgetBelowPaid")
        .withArgs(LOGIN, 19n, 20n);
      await e.connect(owner).defineBehaviour(LOGIN, 5n, 0n, 0, 300n); // raise: 280 remaining
      expect(await e.allocated()).to.equal(280n);
      expect(await e.unallocated()).to.equal(1_000n - 20n - 280n);
      await e.connect(owner).defineBehaviour(LOGIN, 5n, 0n, 0, 20n); // end it: budget == paid
      expect(await e.allocated()).to.equal(0n);
      expect(await e.unallocated()).to.equal(980n);
      await expect(e.connect(reporter).report(LOGIN, f.users[2]!.address, occ(3)))
        .to.be.revertedWithCustomError(e, "RewardEngineBudgetExhausted")
        .withArgs(LOGIN, 0n, 5n);
      expect(await e.behaviourIds()).to.deep.equal([LOGIN]);
    });

    it("a zero reward per occurrence is refused; only the owner defines", async function () {
      const { f, e, owner } = await setup();
      await expect(e.connect(owner).defineBehaviour(LOGIN, 0n, 0n, 0, 0n)).to.be.revertedWithCustomError(e, "RewardEngineZeroAmount");
      await expect(e.connect(f.users[0]!).defineBehaviour(LOGIN, 1n, 0n, 0, 0n))
        .to.be.revertedWithCustomError(e, "OwnableUnauthorizedAccount")
        .withArgs(f.users[0]!.address);
    });

    it("the owner withdraws only unallocated funds (Withdrawn)", async function () {
      const { f, e, owner } = await setup(1_000n);
      await e.connect(owner).defineBehaviour(LOGIN, 10n, 0n, 0, 700n);
      await expect(e.connect(owner).withdraw(f.users[0]!.address, 301n))
        .to.be.revertedWithCustomError(e, "RewardEngineInsufficientFunds")
        .withArgs(301n, 300n);
      const before = await f.token.balanceOf(f.users[0]!.address);
      await expect(e.connect(owner).withdraw(f.users[0]!.address, 300n)).to.emit(e, "Withdrawn").withArgs(f.users[0]!.address, 300n);
      expect(await f.token.balanceOf(f.users[0]!.address)).to.equal(before + 300n);
      expect(await e.unallocated()).to.equal(0n);
      expect(await e.allocated()).to.equal(700n);
      await expect(e.connect(owner).withdraw(ethers.ZeroAddress, 1n)).to.be.revertedWithCustomError(e, "RewardEngineZeroAddress").withArgs("to");
      await expect(e.connect(owner).withdraw(f.users[0]!.address, 0n)).to.be.revertedWithCustomError(e, "RewardEngineZeroAmount");
      await expect(e.connect(f.users[0]!).withdraw(f.users[0]!.address, 1n)).to.be.revertedWithCustomError(e, "OwnableUnauthorizedAccount");
    });
  });

  describe("reporters", function () {
    it("the owner authorises and removes reporters (ReporterSet)", async function () {
      const { f, e, owner } = await setup();
      const key = f.users[4]!;
      await expect(e.connect(owner).setReporter(key.address, true)).to.emit(e, "ReporterSet").withArgs(key.address, true);
      expect(await e.isReporter(key.address)).to.equal(true);
      await e.connect(owner).defineBehaviour(LOGIN, 1n, 0n, 0, 10n);
      await expect(e.connect(key).report(LOGIN, f.users[0]!.address, occ(1))).to.emit(e, "RewardPaid");
      await expect(e.connect(owner).setReporter(key.address, false)).to.emit(e, "ReporterSet").withArgs(key.address, false);
      await expect(e.connect(key).report(LOGIN, f.users[0]!.address, occ(2)))
        .to.be.revertedWithCustomError(e, "RewardEngineNotReporter")
        .withArgs(key.address);
      await expect(e.connect(owner).setReporter(ethers.ZeroAddress, true)).to.be.revertedWithCustomError(e, "RewardEngineZeroAddress").withArgs("reporter");
      await expect(e.connect(key).setReporter(key.address, true)).to.be.revertedWithCustomError(e, "OwnableUnauthorizedAccount");
    });

    it("the owner is not a reporter unless it authorises itself", async function () {
      const { f, e, owner } = await setup();
      await e.connect(owner).defineBehaviour(LOGIN, 1n, 0n, 0, 10n);
      await expect(e.connect(owner).report(LOGIN, f.users[0]!.address, occ(1)))
        .to.be.revertedWithCustomError(e, "RewardEngineNotReporter")
        .withArgs(owner.address);
    });
  });

  describe("report", function () {
    it("pays the reward, books it and emits RewardPaid(behaviour, user, amount, occurrence, reporter)", async function () {
      const { f, e, owner, reporter } = await setup(1_000n * ETHER);
      await e.connect(owner).defineBehaviour(LOGIN, 5n * ETHER, 0n, 0, 100n * ETHER);
      const user = f.users[0]!;
      const before = await f.token.balanceOf(user.address);
      expect(await e.connect(reporter).report.staticCall(LOGIN, user.address, occ(1))).to.equal(5n * ETHER);
      const t = (await now()) + 5n;
      await time.setNextBlockTimestamp(t);
      await expect(e.connect(reporter).report(LOGIN, user.address, occ(1)))
        .to.emit(e, "RewardPaid")
        .withArgs(LOGIN, user.address, 5n * ETHER, occ(1), reporter.address);
      expect(await f.token.balanceOf(user.address)).to.equal(before + 5n * ETHER);
      expect((await e.behaviour(LOGIN)).paid).to.equal(5n * ETHER);
      const r = await e.userRecord(LOGIN, user.address);
      expect([r.earned, r.lastRewardAt]).to.deep.equal([5n * ETHER, t]);
      expect(await e.isOccurrenceUsed(occ(1))).to.equal(true);
      expect(await e.allocated()).to.equal(95n * ETHER);
      expect(await e.unallocated()).to.equal(900n * ETHER);
    });

    it("an occurrence id pays once, even for another behaviour or user", async function () {
      const { f, e, owner, reporter } = await setup();
      await e.connect(owner).defineBehaviour(LOGIN, 1n, 0n, 0, 100n);
      await e.connect(owner).defineBehaviour(QUEST, 1n, 0n, 0, 100n);
      await e.connect(reporter).report(LOGIN, f.users[0]!.address, occ(7));
      for (const [b, u] of [
        [LOGIN, f.users[0]!],
        [QUEST, f.users[1]!],
      ] as const) {
        await expect(e.connect(reporter).report(b, u.address, occ(7)))
          .to.be.revertedWithCustomError(e, "RewardEngineDuplicateOccurrence")
          .withArgs(occ(7));
      }
    });

    it("an undefined behaviour and the zero user are refused", async function () {
      const { f, e, reporter } = await setup();
      await expect(e.connect(reporter).report(QUEST, f.users[0]!.address, occ(1)))
        .to.be.revertedWithCustomError(e, "RewardEngineUnknownBehaviour")
        .withArgs(QUEST);
      await expect(e.connect(reporter).report(QUEST, ethers.ZeroAddress, occ(1)))
        .to.be.revertedWithCustomError(e, "RewardEngineZeroAddress")
        .withArgs("user");
    });

    it("cooldown: one second early fails with the time it ends, exactly at the end passes; other users are not affected", async function () {
      const { f, e, owner, reporter } = await setup();
      await e.connect(owner).defineBehaviour(LOGIN, 1n, 0n, 3600, 100n);
      const [alice, bob] = f.users;
      const t0 = (await now()) + 10n;
      await time.setNextBlockTimestamp(t0);
      await e.connect(reporter).report(LOGIN, alice!.address, occ(1));
      await time.setNextBlockTimestamp(t0 + 3598n);
      await expect(e.connect(reporter).report(LOGIN, bob!.address, occ(3))).to.emit(e, "RewardPaid");
      await time.setNextBlockTimestamp(t0 + 3599n);
      await expect(e.connect(reporter).report(LOGIN, alice!.address, occ(2)))
        .to.be.revertedWithCustomError(e, "RewardEngineCooldownActive")
        .withArgs(LOGIN, alice!.address, t0 + 3600n);
      await time.setNextBlockTimestamp(t0 + 3600n);
      await expect(e.connect(reporter).report(LOGIN, alice!.address, occ(2))).to.emit(e, "RewardPaid");
    });

    it("per-user cap: rewards up to exactly the cap pass, the next fails; other users and behaviours are not affected", async function () {
      const { f, e, owner, reporter } = await setup();
      await e.connect(owner).defineBehaviour(LOGIN, 10n, 30n, 0, 1_000n);
      await e.connect(owner).defineBehaviour(QUEST, 10n, 0n, 0, 1_000n);
      const [alice, bob] = f.users;
      for (let i = 1; i <= 3; i++) await e.connect(reporter).report(LOGIN, alice!.address, occ(i));
      expect((await e.userRecord(LOGIN, alice!.address)).earned).to.equal(30n);
      await expect(e.connect(reporter).report(LOGIN, alice!.address, occ(4)))
        .to.be.revertedWithCustomError(e, "RewardEngineUserCapExceeded")
        .withArgs(LOGIN, alice!.address, 30n, 30n);
      await expect(e.connect(reporter).report(LOGIN, bob!.address, occ(4))).to.emit(e, "RewardPaid");
      await expect(e.connect(reporter).report(QUEST, alice!.address, occ(5))).to.emit(e, "RewardPaid");
    });

    it("a cap that is not a multiple of the reward stops before it would be passed", async function () {
      const { f, e, owner, reporter } = await setup();
      await e.connect(owner).defineBehaviour(LOGIN, 10n, 25n, 0, 1_000n);
      await e.connect(reporter).report(LOGIN, f.users[0]!.address, occ(1));
      await e.connect(reporter).report(LOGIN, f.users[0]!.address, occ(2));
      await expect(e.connect(reporter).report(LOGIN, f.users[0]!.address, occ(3)))
        .to.be.revertedWithCustomError(e, "RewardEngineUserCapExceeded")
        .withArgs(LOGIN, f.users[0]!.address, 20n, 25n);
    });

    it("budget: the last reward that fits exactly passes, the next fails; the engine never pays beyond it", async function () {
      const { f, e, owner, reporter } = await setup(1_000n);
      await e.connect(owner).defineBehaviour(LOGIN, 10n, 0n, 0, 30n);
      for (let i = 1; i <= 3; i++) await e.connect(reporter).report(LOGIN, f.users[i - 1]!.address, occ(i));
      await expect(e.connect(reporter).report(LOGIN, f.users[3]!.address, occ(4)))
        .to.be.revertedWithCustomError(e, "RewardEngineBudgetExhausted")
        .withArgs(LOGIN, 0n, 10n);
      expect((await e.behaviour(LOGIN)).paid).to.equal(30n);
      expect(await f.token.balanceOf(await e.getAddress())).to.equal(970n);
      // a budget not a multiple of the reward leaves the remainder unpaid
      await e.connect(owner).defineBehaviour(QUEST, 10n, 0n, 0, 15n);
      await e.connect(reporter).report(QUEST, f.users[0]!.address, occ(5));
      await expect(e.connect(reporter).report(QUEST, f.users[1]!.address, occ(6)))
        .to.be.revertedWithCustomError(e, "RewardEngineBudgetExhausted")
        .withArgs(QUEST, 5n, 10n);
    });

    it("pause (owner only) stops reports; funding, definitions and withdrawals go on; unpause resumes", async function () {
      const { f, e, owner, reporter } = await setup(1_000n);
      await e.connect(owner).defineBehaviour(LOGIN, 1n, 0n, 0, 100n);
      await expect(e.connect(reporter).pause()).to.be.revertedWithCustomError(e, "OwnableUnauthorizedAccount");
      await expect(e.connect(owner).pause()).to.emit(e, "Paused");
      await expect(e.connect(reporter).report(LOGIN, f.users[0]!.address, occ(1))).to.be.revertedWithCustomError(e, "EnforcedPause");
      await expect(e.connect(reporter).reportBatch([{ behaviourId: LOGIN, user: f.users[0]!.address, occurrenceId: occ(1) }])).to.be.revertedWithCustomError(
        e,
        "EnforcedPause",
      );
      await e.connect(owner).fund(1n);
      await e.connect(owner).defineBehaviour(QUEST, 1n, 0n, 0, 1n);
      await e.connect(owner).withdraw(owner.address, 1n);
      await expect(e.connect(owner).renounceOwnership()).to.be.revertedWithCustomError(e, "EnforcedPause");
      await expect(e.connect(reporter).unpause()).to.be.revertedWithCustomError(e, "OwnableUnauthorizedAccount");
      await expect(e.connect(owner).unpause()).to.emit(e, "Unpaused");
      await expect(e.connect(reporter).report(LOGIN, f.users[0]!.address, occ(1))).to.emit(e, "RewardPaid");
    });

    it("ownership moves in two steps and can be renounced when not paused", async function () {
      const { f, e, owner } = await setup();
      const next = f.users[4]!;
      await e.connect(owner).transferOwnership(next.address);
      await expect(e.connect(next).acceptOwnership()).to.emit(e, "OwnershipTransferred").withArgs(owner.address, next.address);
      await expect(e.connect(next).renounceOwnership()).to.emit(e, "OwnershipTransferred").withArgs(next.address, ethers.ZeroAddress);
      expect(await e.owner()).to.equal(ethers.ZeroAddress);
    });
  });

  describe("reportBatch", function () {
    it("pays every report of the batch with one RewardPaid each and returns the total", async function () {
      const { f, e, owner, reporter } = await setup(1_000n);
      await e.connect(owner).defineBehaviour(LOGIN, 10n, 0n, 0, 500n);
      await e.connect(owner).defineBehaviour(QUEST, 25n, 0n, 0, 500n);
      const batch = [
        { behaviourId: LOGIN, user: f.users[0]!.address, occurrenceId: occ(1) },
        { behaviourId: QUEST, user: f.users[0]!.address, occurrenceId: occ(2) },
        { behaviourId: LOGIN, user: f.users[1]!.address, occurrenceId: occ(3) },
      ];
      const before = await Promise.all([f.token.balanceOf(f.users[0]!.address), f.token.balanceOf(f.users[1]!.address)]);
      expect(await e.connect(reporter).reportBatch.staticCall(batch)).to.equal(45n);
      const tx = e.connect(reporter).reportBatch(batch);
      await expect(tx).to.emit(e, "RewardPaid").withArgs(LOGIN, f.users[0]!.address, 10n, occ(1), reporter.address);
      await expect(tx).to.emit(e, "RewardPaid").withArgs(QUEST, f.users[0]!.address, 25n, occ(2), reporter.address);
      await expect(tx).to.emit(e, "RewardPaid").withArgs(LOGIN, f.users[1]!.address, 10n, occ(3), reporter.address);
      expect(await f.token.balanceOf(f.users[0]!.address)).to.equal(before[0] + 35n);
      expect(await f.token.balanceOf(f.users[1]!.address)).to.equal(before[1] + 10n);
      expect(await e.allocated()).to.equal(1_000n - 45n);
    });

    it("is all or nothing: one bad report (here a duplicate inside the batch) reverts the batch", async function () {
      const { f, e, owner, reporter } = await setup(1_000n);
      await e.connect(owner).defineBehaviour(LOGIN, 10n, 0n, 0, 500n);
      const batch = [
        { behaviourId: LOGIN, user: f.users[0]!.address, occurrenceId: occ(1) },
        { behaviourId: LOGIN, user: f.users[1]!.address, occurrenceId: occ(1) },
      ];
      await expect(e.connect(reporter).reportBatch(batch)).to.be.revertedWithCustomError(e, "RewardEngineDuplicateOccurrence").withArgs(occ(1));
      expect(await e.isOccurrenceUsed(occ(1))).to.equal(false);
      expect((await e.behaviour(LOGIN)).paid).to.equal(0n);
    });

    it("checks the cooldown and cap across reports of the same batch", async function () {
      const { f, e, owner, reporter } = await setup(1_000n);
      await e.connect(owner).defineBehaviour(LOGIN, 10n, 0n, 60, 500n);
      const u = f.users[0]!.address;
      await expect(
        e.connect(reporter).reportBatch([
          { behaviourId: LOGIN, user: u, occurrenceId: occ(1) },
          { behaviourId: LOGIN, user: u, occurrenceId: occ(2) },
        ]),
      ).to.be.revertedWithCustomError(e, "RewardEngineCooldownActive");
    });

    it("refuses an empty batch and a caller that is not a reporter", async function () {
      const { f, e, reporter } = await setup();
      await expect(e.connect(reporter).reportBatch([])).to.be.revertedWithCustomError(e, "RewardEngineEmptyBatch");
      await expect(e.connect(f.users[0]!).reportBatch([])).to.be.revertedWithCustomError(e, "RewardEngineNotReporter").withArgs(f.users[0]!.address);
    });
  });

  it("a token that calls back into the engine while paying hits the reentrancy guard", async function () {
    const f = await loadFixture(deployEconomyFixture);
    const ret = await (await ethers.getContractFactory("ReentrantTokenMock")).deploy(1000n, f.pd.address);
    const engineAddress = await f.rewardEngineFactory.connect(f.pd).createEngine.staticCall(await ret.getAddress());
    await f.rewardEngineFactory.connect(f.pd).createEngine(await ret.getAddress());
    const e = await ethers.getContractAt("RewardEngine", engineAddress);
    await ret.connect(f.pd).approve(engineAddress, ethers.MaxUint256);
    await e.connect(f.pd).fund(100n);
    await e.connect(f.pd).setReporter(f.reporter.address, true);
    await e.connect(f.pd).defineBehaviour(LOGIN, 1n, 0n, 0, 50n);
    await ret.setReentry(engineAddress, e.interface.encodeFunctionData("report", [LOGIN, f.users[0]!.address, occ(2)]));
    await expect(e.connect(f.reporter).report(LOGIN, f.users[0]!.address, occ(1))).to.be.revertedWithCustomError(e, "ReentrancyGuardReentrantCall");
    await ret.setReentry(engineAddress, e.interface.encodeFunctionData("withdraw", [f.pd.address, 1n]));
    await expect(e.connect(f.pd).withdraw(f.pd.address, 1n)).to.be.revertedWithCustomError(e, "ReentrancyGuardReentrantCall");
  });
});
