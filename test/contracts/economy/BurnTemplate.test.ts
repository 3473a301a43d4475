import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ETHER } from "../../fixtures/system";
import { deployEconomyFixture, Kind, newBurn, NO_LIMITS } from "./economy.fixture";
import { shouldBehaveLikeTemplate } from "./template.behavior";

shouldBehaveLikeTemplate("BurnTemplate", async (f, limits) => {
  const t = await newBurn(f, { limits });
  for (const u of f.users) await (await f.token.connect(u).approve(await t.getAddress(), ethers.MaxUint256)).wait();
  return {
    f,
    template: await ethers.getContractAt("Template", await t.getAddress()),
    owner: f.cp,
    actors: f.users.slice(0, 2),
    operate: (actor, amount) => t.connect(actor).burn(amount),
    reinitialize: async (target) =>
      (await ethers.getContractAt("BurnTemplate", target)).initialize(f.cp.address, await f.token.getAddress(), NO_LIMITS),
    kind: Kind.Burn,
    implementationName: "BurnTemplate",
  };
});

describe("BurnTemplate", function () {
  it("burns the caller's tokens through burnFrom: supply and balance fall, allowance is spent, totals are kept", async function () {
    const f = await loadFixture(deployEconomyFixture);
    const b = await newBurn(f);
    const [alice, bob] = f.users;
    await f.token.connect(alice!).approve(await b.getAddress(), 30n * ETHER);
    await f.token.connect(bob!).approve(await b.getAddress(), 5n * ETHER);
    const supply = await f.token.totalSupply();
    const balance = await f.token.balanceOf(alice!.address);
    await expect(b.connect(alice!).burn(30n * ETHER))
      .to.emit(b, "Burned")
      .withArgs(alice!.address, 30n * ETHER, 30n * ETHER)
      .and.to.emit(f.token, "Transfer")
      .withArgs(alice!.address, ethers.ZeroAddress, 30n * ETHER);
    await expect(b.connect(bob!).burn(5n * ETHER)).to.emit(b, "Burned").withArgs(bob!.address, 5n * ETHER, 35n * ETHER);
    expect(await f.token.totalSupply()).to.equal(supply - 35n * ETHER);
    expect(await f.token.balanceOf(alice!.address)).to.equal(balance - 30n * ETHER);
    expect(await f.token.allowance(alice!.address, await b.getAddress())).to.equal(0n);
    expect(await b.totalBurned()).to.equal(35n * ETHER);
    expect(await b.burnedBy(alice!.address)).to.equal(30n * ETHER);
    expect(await b.burnedBy(bob!.address)).to.equal(5n * ETHER);
  });

  it("needs the caller's allowance", async function () {
    const f = await loadFixture(deployEconomyFixture);
    const b = await newBurn(f);
    await expect(b.connect(f.users[0]!).burn(1n))
      .to.be.revertedWithCustomError(f.token, "ERC20InsufficientAllowance")
      .withArgs(await b.getAddress(), 0n, 1n);
  });

  it("refuses a token whose burnFrom leaves the supply unchanged (BurnTemplateNotBurned)", async function () {
    const f = await loadFixture(deployEconomyFixture);
    const fake = await (await ethers.getContractFactory("FakeBurnTokenMock")).deploy(1000n, f.users[0]!.address);
    const b = await newBurn(f, { token: await fake.getAddress() });
    await fake.connect(f.users[0]!).approve(await b.getAddress(), 10n);
    await expect(b.connect(f.users[0]!).burn(10n)).to.be.revertedWithCustomError(b, "BurnTemplateNotBurned").withArgs(1000n, 1000n);
  });

  it("fails with a token that has no burnFrom (the staking token)", async function () {
    const f = await loadFixture(deployEconomyFixture);
    const b = await newBurn(f, { token: await f.sys.stakingToken.getAddress() });
    await f.sys.stakingToken.approve(await b.getAddress(), 10n);
    await expect(b.burn(10n)).to.be.revertedWithoutReason();
  });
});
