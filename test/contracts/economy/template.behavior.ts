import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ContractTransactionResponse } from "ethers";
import { ETHER } from "../../fixtures/system";
import { deployEconomyFixture, nextDayStart, NO_LIMITS, type EconomyFixture } from "./economy.fixture";
import type { Template } from "../../../typechain-types";

/** One template instance prepared for the shared behaviour: who owns it, who operates it and how. */
export interface TemplateUnderTest {
  f: EconomyFixture;
  /** The instance, through the common {Template} ABI. */
  template: Template;
  owner: HardhatEthersSigner;
  /** Accounts that can operate (each with enough tokens and approvals); a vesting has one (its beneficiary). */
  actors: HardhatEthersSigner[];
  /** One operation of `amount` by `actor` (transferTo, release, stake or burn). */
  operate(actor: HardhatEthersSigner, amount: bigint): Promise<ContractTransactionResponse>;
  /** Calls `initialize` on `target` (a clone or the implementation) with valid arguments. */
  reinitialize(target: string): Promise<ContractTransactionResponse>;
  kind: number;
  implementationName: string;
}

/**
 * Shared behaviour of every transaction template (after OpenZeppelin's `*.behavior.ts`): one-time
 * initialisation, ownership, limits at their boundaries with day rollover, pause.
 */
export function shouldBehaveLikeTemplate(
  name: string,
  prepare: (f: EconomyFixture, limits: typeof NO_LIMITS) => Promise<TemplateUnderTest>,
  options: { singleAccount?: boolean } = {},
): void {
  describe(`${name}: shared template behaviour`, function () {
    const unit = ETHER;
    async function setup(limits = NO_LIMITS): Promise<TemplateUnderTest> {
      const f = await loadFixture(deployEconomyFixture);
      // start well inside a UTC day so no test crosses midnight by accident
      await time.setNextBlockTimestamp((await nextDayStart()) + 600n);
      return prepare(f, limits);
    }

    describe("initialisation", function () {
      it("records kind, token, factory and owner", async function () {
        const t = await setup();
        expect(await t.template.kind()).to.equal(t.kind);
        expect(await t.template.token()).to.equal(await t.f.token.getAddress());
        expect(await t.template.factory()).to.equal(await t.f.templateFactory.getAddress());
        expect(await t.template.owner()).to.equal(t.owner.address);
      });

      it("a clone cannot be initialised again", async function () {
        const t = await setup();
        await expect(t.reinitialize(await t.template.getAddress())).to.be.revertedWithCustomError(t.template, "InvalidInitialization");
      });

      it("the implementation cannot be initialised", async function () {
        const t = await setup();
        const impl = await t.f.templateFactory.implementation(t.kind);
        expect(impl).to.equal(t.f.implementations[t.implementationName as keyof typeof t.f.implementations]);
        await expect(t.reinitialize(impl)).to.be.revertedWithCustomError(t.template, "InvalidInitialization");
      });
    });

    describe("limits", function () {
      it("setLimits is the owner's: stores the limits and emits LimitsSet", async function () {
        const t = await setup();
        const [actor] = t.actors;
        await expect(t.template.connect(actor!).setLimits({ maxPerTransfer: 1, maxPerDayCount: 1, maxPerDayAmount: 1 }))
          .to.be.revertedWithCustomError(t.template, "OwnableUnauthorizedAccount")
          .withArgs(actor!.address);
        await expect(t.template.connect(t.owner).setLimits({ maxPerTransfer: 5n * unit, maxPerDayCount: 3, maxPerDayAmount: 9n * unit }))
          .to.emit(t.template, "LimitsSet")
          .withArgs(5n * unit, 3, 9n * unit);
        const l = await t.template.limits();
        expect([l.maxPerTransfer, l.maxPerDayCount, l.maxPerDayAmount]).to.deep.equal([5n * unit, 3n, 9n * unit]);
      });

      it("per-transfer maximum: exactly the maximum passes, one unit more fails", async function () {
        const t = await setup({ maxPerTransfer: 10n * unit, maxPerDayCount: 0n, maxPerDayAmount: 0n });
        const [actor] = t.actors;
        await expect(t.operate(actor!, 10n * unit)).not.to.be.reverted;
        await expect(t.operate(actor!, 10n * unit + 1n))
          .to.be.revertedWithCustomError(t.template, "TemplateLimitsTransferTooLarge")
          .withArgs(10n * unit + 1n, 10n * unit);
      });

      it("without daily limits nothing is booked and remainingToday is unlimited", async function () {
        const t = await setup();
        const [actor] = t.actors;
        await t.operate(actor!, unit);
        expect(await t.template.usageOf(actor!.address)).to.deep.equal([0n, 0n]);
        expect(await t.template.remainingToday(actor!.address)).to.deep.equal([ethers.MaxUint256, ethers.MaxUint256]);
      });

      it("daily count: the limit-th operation passes, the next fails, and the next day resets", async function () {
        const t = await setup({ maxPerTransfer: 0n, maxPerDayCount: 2n, maxPerDayAmount: 0n });
        const [actor] = t.actors;
        await t.operate(actor!, unit);
        await t.operate(actor!, unit);
        expect(await t.template.usageOf(actor!.address)).to.deep.equal([2n, 2n * unit]);
        expect((await t.template.remainingToday(actor!.address))[0]).to.equal(0n);
        await expect(t.operate(actor!, unit))
          .to.be.revertedWithCustomError(t.template, "TemplateLimitsDailyCountExceeded")
          .withArgs(actor!.address, 3, 2);
        await time.setNextBlockTimestamp(await nextDayStart());
        await expect(t.operate(actor!, unit)).not.to.be.reverted;
        expect(await t.template.usageOf(actor!.address)).to.deep.equal([1n, unit]);
      });

      it("daily amount: up to exactly the limit passes, one unit more fails with what remains, the next day resets", async function () {
        const t = await setup({ maxPerTransfer: 0n, maxPerDayCount: 0n, maxPerDayAmount: 100n * unit });
        const [actor] = t.actors;
        await t.operate(actor!, 60n * unit);
        await expect(t.operate(actor!, 40n * unit + 1n))
          .to.be.revertedWithCustomError(t.template, "TemplateLimitsDailyAmountExceeded")
          .withArgs(actor!.address, 40n * unit + 1n, 40n * unit);
        expect((await t.template.remainingToday(actor!.address))[1]).to.equal(40n * unit);
        await t.operate(actor!, 40n * unit);
        await expect(t.operate(actor!, 1n))
          .to.be.revertedWithCustomError(t.template, "TemplateLimitsDailyAmountExceeded")
          .withArgs(actor!.address, 1n, 0n);
        // one second before midnight is still the same day
        const midnight = await nextDayStart();
        await time.setNextBlockTimestamp(midnight - 1n);
        await expect(t.operate(actor!, 1n)).to.be.revertedWithCustomError(t.template, "TemplateLimitsDailyAmountExceeded");
        await time.setNextBlockTimestamp(midnight);
        await expect(t.operate(actor!, 100n * unit)).not.to.be.reverted;
      });

      it("a daily limit lowered mid-day applies to today's usage at once", async function () {
        const t = await setup({ maxPerTransfer: 0n, maxPerDayCount: 10n, maxPerDayAmount: 100n * unit });
        const [actor] = t.actors;
        await t.operate(actor!, 50n * unit);
        await t.template.connect(t.owner).setLimits({ maxPerTransfer: 0n, maxPerDayCount: 10n, maxPerDayAmount: 40n * unit });
        expect((await t.template.remainingToday(actor!.address))[1]).to.equal(0n);
        await expect(t.operate(actor!, 1n))
          .to.be.revertedWithCustomError(t.template, "TemplateLimitsDailyAmountExceeded")
          .withArgs(actor!.address, 1n, 0n);
      });

      if (!options.singleAccount) {
        it("daily usage is per account", async function () {
          const t = await setup({ maxPerTransfer: 0n, maxPerDayCount: 1n, maxPerDayAmount: 0n });
          const [a, b] = t.actors;
          await t.operate(a!, unit);
          await expect(t.operate(a!, unit)).to.be.revertedWithCustomError(t.template, "TemplateLimitsDailyCountExceeded");
          await expect(t.operate(b!, unit)).not.to.be.reverted;
        });
      }

      it("an operation of zero tokens fails", async function () {
        const t = await setup();
        await expect(t.operate(t.actors[0]!, 0n)).to.be.revertedWithCustomError(t.template, "TemplateZeroAmount");
      });
    });

    describe("pause and ownership", function () {
      it("the owner pauses (operations fail with EnforcedPause) and unpauses", async function () {
        const t = await setup();
        const [actor] = t.actors;
        await expect(t.template.connect(actor!).pause())
          .to.be.revertedWithCustomError(t.template, "OwnableUnauthorizedAccount")
          .withArgs(actor!.address);
        await expect(t.template.connect(t.owner).pause()).to.emit(t.template, "Paused").withArgs(t.owner.address);
        expect(await t.template.paused()).to.equal(true);
        await expect(t.operate(actor!, unit)).to.be.revertedWithCustomError(t.template, "EnforcedPause");
        await expect(t.template.connect(t.owner).pause()).to.be.revertedWithCustomError(t.template, "EnforcedPause");
        await expect(t.template.connect(actor!).unpause()).to.be.revertedWithCustomError(t.template, "OwnableUnauthorizedAccount");
        await expect(t.template.connect(t.owner).unpause()).to.emit(t.template, "Unpaused").withArgs(t.owner.address);
        await expect(t.template.connect(t.owner).unpause()).to.be.revertedWithCustomError(t.template, "ExpectedPause");
        await expect(t.operate(actor!, unit)).not.to.be.reverted;
      });

      it("ownership moves in two steps; renouncing is refused while paused and freezes the template's settings", async function () {
        const t = await setup();
        const next = t.f.users[4]!;
        await expect(t.template.connect(t.owner).transferOwnership(next.address))
          .to.emit(t.template, "OwnershipTransferStarted")
          .withArgs(t.owner.address, next.address);
        expect(await t.template.owner()).to.equal(t.owner.address);
        await expect(t.template.connect(next).acceptOwnership()).to.emit(t.template, "OwnershipTransferred").withArgs(t.owner.address, next.address);
        await t.template.connect(next).pause();
        await expect(t.template.connect(next).renounceOwnership()).to.be.revertedWithCustomError(t.template, "EnforcedPause");
        await expect(t.template.connect(t.owner).renounceOwnership()).to.be.revertedWithCustomError(t.template, "OwnableUnauthorizedAccount");
        await t.template.connect(next).unpause();
        await expect(t.template.connect(next).renounceOwnership())
          .to.emit(t.template, "OwnershipTransferred")
          .withArgs(next.address, ethers.ZeroAddress);
        await expect(t.template.connect(next).setLimits(NO_LIMITS)).to.be.revertedWithCustomError(t.template, "OwnableUnauthorizedAccount");
        await expect(t.template.connect(next).pause()).to.be.revertedWithCustomError(t.template, "OwnableUnauthorizedAccount");
      });
    });
  });
}
