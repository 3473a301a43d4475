import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ETHER } from "../../fixtures/system";
import { deployEconomyFixture, Kind, newTransfer, NO_LIMITS, type EconomyFixture } from "./economy.fixture";
import { shouldBehaveLikeTemplate } from "./template.behavior";

async function approveAll(f: EconomyFixture, spender: string): Promise<void> {
  for (const u of f.users) await (await f.token.connect(u).approve(spender, ethers.MaxUint256)).wait();
}

shouldBehaveLikeTemplate("TransferTemplate", async (f, limits) => {
  const t = await newTransfer(f, { limits, feeBps: 100, feeRecipient: f.pd.address });
  await approveAll(f, await t.getAddress());
  const recipient = f.users[4]!.address;
  return {
    f,
    template: await ethers.getContractAt("Template", await t.getAddress()),
    owner: f.cp,
    actors: f.users.slice(0, 2),
    operate: (actor, amount) => t.connect(actor).transferTo(recipient, amount),
    reinitialize: async (target) =>
      (await ethers.getContractAt("TransferTemplate", target)).initialize(f.cp.address, await f.token.getAddress(), 0, ethers.ZeroAddress, NO_LIMITS),
    kind: Kind.Transfer,
    implementationName: "TransferTemplate",
  };
});

describe("TransferTemplate", function () {
  async function withFee(feeBps: number) {
    const f = await loadFixture(deployEconomyFixture);
    const t = await newTransfer(f, { feeBps, feeRecipient: f.pd.address });
    await approveAll(f, await t.getAddress());
    return { f, t };
  }

  it("initialises with its fee and emits FeeSet", async function () {
    const f = await loadFixture(deployEconomyFixture);
    const t = await newTransfer(f, { feeBps: 250, feeRecipient: f.pd.address });
    expect(await t.fee()).to.deep.equal([250n, f.pd.address]);
    expect(await t.MAX_FEE_BPS()).to.equal(1000);
    expect(await t.BPS()).to.equal(10000);
  });

  it("takes an exact fee (rounded down): 12,345 units at 2.5 % → 308 fee, 12,037 to the recipient", async function () {
    const { f, t } = await withFee(250);
    const [sender, , , , to] = f.users;
    const amount = 12_345n;
    const before = await Promise.all([f.token.balanceOf(sender!.address), f.token.balanceOf(to!.address), f.token.balanceOf(f.pd.address)]);
    expect(await t.quote(amount)).to.deep.equal([12_037n, 308n]);
    expect(await t.connect(sender!).transferTo.staticCall(to!.address, amount)).to.equal(308n);
    await expect(t.connect(sender!).transferTo(to!.address, amount))
      .to.emit(t, "Transferred")
      .withArgs(sender!.address, to!.address, amount, 308n)
      .and.to.emit(f.token, "Transfer")
      .withArgs(sender!.address, f.pd.address, 308n);
    expect(await f.token.balanceOf(sender!.address)).to.equal(before[0] - amount);
    expect(await f.token.balanceOf(to!.address)).to.equal(before[1] + 12_037n);
    expect(await f.token.balanceOf(f.pd.address)).to.equal(before[2] + 308n);
    expect(await f.token.balanceOf(await t.getAddress())).to.equal(0n);
  });

  it("at the maximum fee of 10 % takes exactly a tenth", async function () {
    const { f, t } = await withFee(1000);
    const [sender, , , , to] = f.users;
    await expect(t.connect(sender!).transferTo(to!.address, 1000n * ETHER))
      .to.emit(t, "Transferred")
      .withArgs(sender!.address, to!.address, 1000n * ETHER, 100n * ETHER);
  });

  it("without a fee moves the whole amount in one token transfer", async function () {
    const { f, t } = await withFee(0);
    const [sender, , , , to] = f.users;
    const before = await f.token.balanceOf(to!.address);
    const tx = t.connect(sender!).transferTo(to!.address, 7n);
    await expect(tx).to.emit(t, "Transferred").withArgs(sender!.address, to!.address, 7n, 0n);
    const receipt = await (await tx).wait();
    const transfers = receipt!.logs.filter((l) => l.address === f.token.target && f.token.interface.parseLog(l)?.name === "Transfer");
    expect(transfers).to.have.length(1);
    expect(await f.token.balanceOf(to!.address)).to.equal(before + 7n);
  });

  it("a tiny amount whose fee rounds to zero sends everything to the recipient", async function () {
    const { f, t } = await withFee(250);
    const [sender, , , , to] = f.users;
    await expect(t.connect(sender!).transferTo(to!.address, 39n)).to.emit(t, "Transferred").withArgs(sender!.address, to!.address, 39n, 0n);
  });

  it("refuses the zero address as recipient", async function () {
    const { f, t } = await withFee(0);
    await expect(t.connect(f.users[0]!).transferTo(ethers.ZeroAddress, 1n))
      .to.be.revertedWithCustomError(t, "TemplateZeroAddress")
      .withArgs("to");
  });

  it("needs the sender's allowance", async function () {
    const { f, t } = await withFee(0);
    await f.token.connect(f.users[0]!).approve(await t.getAddress(), 5n);
    await expect(t.connect(f.users[0]!).transferTo(f.users[1]!.address, 6n))
      .to.be.revertedWithCustomError(f.token, "ERC20InsufficientAllowance")
      .withArgs(await t.getAddress(), 5n, 6n);
  });

  describe("setFee", function () {
    it("the owner sets fee and recipient (FeeSet); the maximum passes, one basis point more fails", async function () {
      const { f, t } = await withFee(0);
      await expect(t.connect(f.cp).setFee(1000, f.users[3]!.address)).to.emit(t, "FeeSet").withArgs(1000, f.users[3]!.address);
      expect(await t.fee()).to.deep.equal([1000n, f.users[3]!.address]);
      await expect(t.connect(f.cp).setFee(1001, f.users[3]!.address))
        .to.be.revertedWithCustomError(t, "TransferTemplateFeeTooHigh")
        .withArgs(1001, 1000);
    });

    it("a non-zero fee needs a recipient; a zero fee does not", async function () {
      const { f, t } = await withFee(0);
      await expect(t.connect(f.cp).setFee(1, ethers.ZeroAddress))
        .to.be.revertedWithCustomError(t, "TransferTemplateNoFeeRecipient")
        .withArgs(1);
      await expect(t.connect(f.cp).setFee(0, ethers.ZeroAddress)).to.emit(t, "FeeSet").withArgs(0, ethers.ZeroAddress);
    });

    it("only the owner sets the fee", async function () {
      const { f, t } = await withFee(0);
      await expect(t.connect(f.users[0]!).setFee(1, f.users[0]!.address))
        .to.be.revertedWithCustomError(t, "OwnableUnauthorizedAccount")
        .withArgs(f.users[0]!.address);
    });

    it("the factory refuses a fee above the maximum or without recipient at deployment", async function () {
      const f = await loadFixture(deployEconomyFixture);
      const token = await f.token.getAddress();
      const impl = await ethers.getContractAt("TransferTemplate", f.implementations.TransferTemplate);
      await expect(f.templateFactory.connect(f.cp).deployTransfer(token, 1001, f.pd.address, NO_LIMITS))
        .to.be.revertedWithCustomError(impl, "TransferTemplateFeeTooHigh")
        .withArgs(1001, 1000);
      await expect(f.templateFactory.connect(f.cp).deployTransfer(token, 5, ethers.ZeroAddress, NO_LIMITS))
        .to.be.revertedWithCustomError(impl, "TransferTemplateNoFeeRecipient")
        .withArgs(5);
    });
  });
});
