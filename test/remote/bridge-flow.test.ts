/**
 * A bridge and token flow that runs on any network: the in-process Hardhat network in `npm test`, and the project's
 * node over HTTP (`npx hardhat test test/remote/bridge-flow.test.ts --network luniverse`, started by
 * test/node/single.test.ts) — a real client against a real node. It deploys its own contracts (no impersonation, no
 * snapshots, no time travel), so it needs nothing a production chain does not have.
 */
import { expect } from "chai";
import { ethers, upgrades } from "hardhat";

const E = 10n ** 18n;

describe("Bridge flow on any network (deposit, 4 of 6, mint; redeem, 4 of 6, release)", function () {
  this.timeout(600_000);

  it("moves 100 main tokens to 1,000 product tokens at 1:10 and back, with the bridge's errors decoded", async () => {
    const signers = await ethers.getSigners();
    const [admin, user] = [signers[0]!, signers[16]!];
    const relayers = signers.slice(10, 16);
    const chainId = (await ethers.provider.getNetwork()).chainId;
    const addresses = relayers.map((r) => r.address);

    const mainBridge = await upgrades.deployProxy(await ethers.getContractFactory("MainBridge"), [admin.address, addresses, 4], { kind: "uups" });
    const productBridge = await upgrades.deployProxy(await ethers.getContractFactory("ProductBridge"), [admin.address, addresses, 4], { kind: "uups" });
    const mainToken = await (await ethers.getContractFactory("DexTestToken")).deploy("Main Gold", "MGLD", 1_000_000n * E);
    await mainToken.waitForDeployment();
    const productToken = await upgrades.deployProxy(
      await ethers.getContractFactory("ProductToken"),
      ["Product Gold", "PGLD", 18, await productBridge.getAddress(), await mainToken.getAddress()],
      { kind: "transparent" },
    );
    const limits = { minPerTx: 1n, maxPerTx: 1_000n * E, dailyIn: 10_000n * E, dailyOut: 10_000n * E };
    const productLimits = { minPerTx: 10n, maxPerTx: 10_000n * E, dailyIn: 100_000n * E, dailyOut: 100_000n * E };
    await (await mainBridge.registerPair(await mainToken.getAddress(), chainId, await productToken.getAddress(), 10n, limits)).wait();
    await (await productBridge.registerPair(chainId, await mainToken.getAddress(), await productToken.getAddress(), 10n, productLimits)).wait();
    const pairId = await mainBridge.pairIdOf(await mainToken.getAddress(), chainId, await productToken.getAddress());

    await (await mainToken.transfer(user.address, 1_000n * E)).wait();
    await (await mainToken.connect(user).approve(await mainBridge.getAddress(), ethers.MaxUint256)).wait();

    // an unknown pair is refused with the bridge's own error
    await expect(mainBridge.connect(user).deposit(ethers.ZeroHash, user.address, 1n)).to.be.revertedWithCustomError(mainBridge, "MainBridgeUnknownPair");

    const tx = await mainBridge.connect(user).deposit(pairId, user.address, 100n * E);
    const receipt = await tx.wait();
    const deposited = receipt!.logs.map((l) => mainBridge.interface.parseLog(l)).find((p) => p?.name === "Deposited");
    expect(deposited, "Deposited event").to.not.equal(undefined);
    const depositId = deposited!.args.depositId as string;
    expect(await mainToken.balanceOf(await mainBridge.getAddress())).to.equal(100n * E);

    for (const r of relayers.slice(0, 3)) {
      await (await productBridge.connect(r).confirmDeposit(depositId, pairId, user.address, 100n * E)).wait();
    }
    expect(await productToken.balanceOf(user.address), "nothing minted before the 4th confirmation").to.equal(0n);
    await expect(productBridge.connect(relayers[0]!).confirmDeposit(depositId, pairId, user.address, 100n * E)).to.be.revertedWithCustomError(productBridge, "BridgeAlreadyConfirmed");
    await expect(productBridge.connect(user).confirmDeposit(depositId, pairId, user.address, 100n * E)).to.be.revertedWithCustomError(productBridge, "BridgeNotSigner");
    // on a real chain the receipt exists only once the block is final: wait, then check the event
    const mint = await productBridge.connect(relayers[3]!).confirmDeposit(depositId, pairId, user.address, 100n * E);
    await mint.wait();
    await expect(mint).to.emit(productBridge, "Minted");
    expect(await productToken.balanceOf(user.address)).to.equal(1_000n * E);

    const r2 = await (await productBridge.connect(user).redeem(pairId, user.address, 1_000n * E)).wait();
    const redeemed = r2!.logs.map((l) => productBridge.interface.parseLog(l)).find((p) => p?.name === "Redeemed");
    const redeemId = redeemed!.args.redeemId as string;
    expect(await productToken.balanceOf(user.address)).to.equal(0n);
    for (const r of relayers.slice(2, 5)) {
      await (await mainBridge.connect(r).confirmWithdrawal(redeemId, pairId, user.address, 100n * E)).wait();
    }
    const release = await mainBridge.connect(relayers[5]!).confirmWithdrawal(redeemId, pairId, user.address, 100n * E);
    await release.wait();
    await expect(release).to.emit(mainBridge, "Released");
    expect(await mainToken.balanceOf(user.address)).to.equal(1_000n * E);
    expect(await mainToken.balanceOf(await mainBridge.getAddress())).to.equal(0n);
  });
});
